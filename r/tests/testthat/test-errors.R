# Bad input gets the CLI's located messages as R conditions, and R carries on.
nm_path <- function() file.path(src_dir, "tests", "reference", "nmtests-1001.ldn")

expect_ldnsim_error <- function(expr, class, cli_message) {
  e <- tryCatch(expr, error = function(e) e)
  expect_s3_class(e, class)
  expect_s3_class(e, "ldnsim_error")
  expect_equal(after_location(conditionMessage(e)), after_location(cli_message))
  invisible(e)
}

good <- function() data.frame(ID = c(1, 1), TIME = c(0, 1), EVID = c(1, 0), AMT = c(10, 0), CMT = c(1, 2))
write_tmp <- function(d) { f <- tempfile(fileext = ".csv"); utils::write.csv(d, f, row.names = FALSE, na = "."); f }

test_that("NA in TIME is the CLI's message, naming the row", {
  skip_without(src_dir)
  d <- good(); d$TIME[2] <- NA
  msg <- cli_error(c("simulate", nm_path(), "--data", write_tmp(d), "--out", tempfile()))
  e <- expect_ldnsim_error(ldn_simulate(nm_path(), d), "ldnsim_input_error", msg)
  expect_match(conditionMessage(e), "^data.frame:2: column TIME")
})

test_that("a non-numeric column is the CLI's message", {
  skip_without(src_dir)
  d <- good(); d$AMT <- c("10", "ten")
  msg <- cli_error(c("simulate", nm_path(), "--data", write_tmp(d), "--out", tempfile()))
  expect_ldnsim_error(ldn_simulate(nm_path(), d), "ldnsim_input_error", msg)
})

test_that("a factor is refused, naming the column", {
  d <- good(); d$CMT <- factor(d$CMT)
  e <- tryCatch(ldn_simulate(nm_path(), d), error = function(e) e)
  expect_s3_class(e, "ldnsim_input_error")
  expect_match(conditionMessage(e), "column CMT: is a factor")
})

test_that("a model path that does not exist is the CLI's message", {
  msg <- cli_error(c("check", "/nonexistent/model.ldn"))
  e <- tryCatch(ldn_model("/nonexistent/model.ldn"), error = function(e) e)
  expect_s3_class(e, "ldnsim_error")
  expect_equal(conditionMessage(e), msg)
})

test_that("a model with a syntax error is a located ModelError", {
  e <- tryCatch(ldn_model("model x \"x\"\nstate A = 0\nd/dt(A) = -K*\n"), error = function(e) e)
  expect_s3_class(e, "ldnsim_model_error")
  expect_match(conditionMessage(e), "^<text>:3:")
})

test_that("threads = 0 is an error, and the session carries on", {
  e <- tryCatch(ldn_simulate(nm_path(), good(), threads = 0), error = function(e) e)
  expect_s3_class(e, "ldnsim_usage_error")
  expect_match(conditionMessage(e), "threads = 0")
  s <- ldn_simulate(nm_path(), good(), threads = 1)
  expect_equal(nrow(s), 2)
})
