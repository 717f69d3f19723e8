# Where the tests find the repository, the CLI and ../shared (set by ctest; see
# tests/CMakeLists.txt): the R results are compared with the CLI's on the same inputs.
src_dir <- Sys.getenv("LDNSIM_SOURCE_DIR")
cli <- Sys.getenv("LDNSIM_CLI")
shared_dir <- Sys.getenv("LDNSIM_SHARED_DIR")
skip_without <- function(path) if (!nzchar(path) || !file.exists(path)) skip(paste("not available:", path))

# Runs the CLI; returns list(status, stdout, stderr).
run_cli <- function(args) {
  out <- tempfile(); err <- tempfile()
  status <- system2(cli, args, stdout = out, stderr = err)
  list(status = status, stdout = readLines(out, warn = FALSE), stderr = readLines(err, warn = FALSE))
}

# `ldnsim simulate ... --digits 17` read back as text: R's own number parser is not
# correctly rounded for every 17-digit number, so the comparison is between texts, the
# CLI's and sprintf("%.17g") of R's doubles (17 digits tell every double apart).
cli_simulate <- function(args) {
  out <- tempfile(fileext = ".csv")
  r <- run_cli(c("simulate", args, "--digits", "17", "--quiet", "--out", out))
  if (r$status != 0) stop(paste(r$stderr, collapse = "\n"))
  utils::read.csv(out, colClasses = "character", check.names = FALSE)
}
# Asserts that a data frame from R holds the CLI's numbers to the bit.
expect_same_as_cli <- function(ours, cli_text) {
  expect_equal(names(ours), names(cli_text))
  for (k in seq_along(ours)) {  # by position: a model may name an output and a state alike
    x <- ours[[k]]
    text <- ifelse(is.na(x), ".", sprintf("%.17g", x))
    expect_identical(text, cli_text[[k]], info = names(ours)[k])
  }
}

# The message the CLI prints for an error, without "ldnsim: error: " and without the
# location prefix (file:line), which names a file for the CLI and a data frame row for R.
cli_error <- function(args) {
  r <- run_cli(args)
  expect_false(r$status == 0)
  sub("^ldnsim: error: ", "", paste(r$stderr, collapse = "\n"))
}
after_location <- function(msg) sub("^[^ ]*:[0-9]+: ", "", msg)
