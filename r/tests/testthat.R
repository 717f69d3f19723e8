library(testthat)
library(ldnsim)
test_check("ldnsim")
