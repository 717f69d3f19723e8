# The science commands: the content of the CLI's --json (read by the same JSON reader), to
# the last bit, for the same arguments; bad arguments get the CLI's messages.

json_of <- function(text) {
  jsonlite::fromJSON(text, simplifyVector = TRUE, simplifyDataFrame = TRUE, simplifyMatrix = FALSE)
}
# `ldnsim ARGS --json --quiet`, read back; without "seconds", the wall time.
cli_json <- function(args) {
  r <- run_cli(c(args, "--json", "--quiet"))
  if (r$status != 0) stop(paste(r$stderr, collapse = "\n"))
  j <- json_of(paste(r$stdout, collapse = "\n"))
  j$seconds <- NULL
  j
}
expect_same_json <- function(ours, cli) {
  expect_true(is.numeric(ours$seconds) || is.null(ours$seconds))
  ours$seconds <- NULL
  expect_identical(ours, cli)
}
in_src <- function(...) file.path(src_dir, ...)

test_that("ldn_dose is ldnsim dose --json, with the steady-state cycle's numbers", {
  d <- ldn_dose("4.5mg", compare = c("1.5mg", "50mg"), threads = 1)
  expect_same_json(d, cli_json(c("dose", "4.5mg", "--compare", "1.5mg,50mg", "--threads", "1")))
  g <- d$results$regimens
  expect_equal(g$regimen, c("4.5mg", "1.5mg", "50mg"))
  expect_equal(g$dose_mg, c(4.5, 1.5, 50))
  # Blockade rises with the dose (the same metric across the three regimens).
  occ <- g$metrics$occ_trough$value
  expect_true(occ[2] < occ[1] && occ[1] < occ[3])
})

test_that("ldn_dose with uncertainty bands and two threads equals the CLI on one", {
  d <- ldn_dose("3mg", at = "08:00", uncertainty = 12, seed = 5, weight = 60, set = c(KEO = 1), threads = 2)
  cli <- cli_json(c("dose", "3mg", "--at", "08:00", "--uncertainty", "12", "--seed", "5", "--weight", "60",
                    "--set", "KEO=1", "--threads", "2"))
  expect_same_json(d, cli)
  cli1 <- cli_json(c("dose", "3mg", "--at", "08:00", "--uncertainty", "12", "--seed", "5", "--weight", "60",
                     "--set", "KEO=1", "--threads", "1"))
  cli1$inputs <- NULL
  d$inputs <- NULL
  d$seconds <- NULL
  expect_identical(d, cli1)
  expect_equal(d$results$uncertainty$samples, 12)
  expect_true(!is.null(d$results$regimens$metrics$occ_trough$band))
})

test_that("ldn_trial is ldnsim trial --json", {
  skip_without(src_dir)
  spec <- in_src("trials", "cree2010.toml")
  t <- ldn_trial(spec, replicates = 4, seed = 3, threads = 2)
  expect_same_json(t, cli_json(c("trial", spec, "--replicates", "4", "--seed", "3", "--threads", "2")))
  expect_equal(t$inputs$replicates, 4)
})

test_that("ldn_reproduce is ldnsim reproduce --json", {
  skip_without(src_dir)
  r <- ldn_reproduce(replicates = 2, seed = 4, threads = 2)
  expect_same_json(r, cli_json(c("reproduce", "--replicates", "2", "--seed", "4", "--threads", "2", "--no-report")))
  expect_true(is.data.frame(r$results$rows))
  expect_true(nrow(r$results$rows) > 10)
})

test_that("ldn_claims is ldnsim claims --json", {
  skip_without(src_dir)
  k <- ldn_claims("tcell-300", replicates = 2, samples = 10, seed = 2, threads = 2)
  expect_same_json(k, cli_json(c("claims", "tcell-300", "--replicates", "2", "--samples", "10", "--seed", "2",
                                 "--threads", "2")))
  expect_equal(k$results$claims$id, "tcell-300")
})

test_that("ldn_power is ldnsim power --json", {
  skip_without(src_dir)
  spec <- in_src("trials", "designs", "fatigue-24w.toml")
  p <- ldn_power(spec, n = c(40, 80), replicates = 10, draws = 2, draw_replicates = 1, seed = 9, threads = 2)
  expect_same_json(p, cli_json(c("power", spec, "--n", "40,80", "--replicates", "10", "--draws", "2",
                                 "--draw-replicates", "1", "--seed", "9", "--threads", "2")))
  expect_equal(p$results$points$n, c(40, 80))
  expect_true(all(p$results$points$power >= 0 & p$results$points$power <= 1))
})

test_that("bad arguments are the CLI's messages as conditions, and R carries on", {
  for (case in list(list(call = quote(ldn_dose("4.5mg", days = -1)), args = c("dose", "4.5mg", "--days", "-1")),
                    list(call = quote(ldn_dose("fourmg")), args = c("dose", "fourmg")),
                    list(call = quote(ldn_dose("4.5mg", threads = -1)), args = c("dose", "4.5mg", "--threads", "-1")),
                    list(call = quote(ldn_trial("/nonexistent/spec.toml")), args = c("trial", "/nonexistent/spec.toml")),
                    list(call = quote(ldn_claims("no-such-claim")), args = c("claims", "no-such-claim")))) {
    msg <- sub("\nRun with --help for more information.$", "", cli_error(c(case$args, "--json")))
    e <- tryCatch(eval(case$call), error = function(e) e)
    expect_s3_class(e, "ldnsim_error")
    expect_equal(conditionMessage(e), msg)
  }
  expect_equal(ldn_dose("4.5mg", threads = 1)$results$regimens$regimen, "4.5mg")
})

test_that("Ctrl-C stops a science command with an interrupt condition, and R carries on", {
  skip_without(src_dir)
  skip_on_os("windows")
  spec <- in_src("trials", "designs", "fatigue-24w.toml")
  # SIGINT from outside every half second while the flag file exists, during a power curve
  # of minutes; every parallel loop of the command polls for it (population::PollScope).
  flag <- tempfile()
  file.create(flag)
  system(sprintf("while [ -e %s ]; do sleep 0.5; [ -e %s ] && kill -INT %d; done", flag, flag, Sys.getpid()),
         wait = FALSE)
  r <- tryCatch(ldn_power(spec, n = "40:400:40", replicates = 100000, draws = 0, threads = 2),
                interrupt = function(e) e)
  tryCatch({ unlink(flag); Sys.sleep(1) }, interrupt = function(e) NULL)
  expect_s3_class(r, "ldnsim_interrupt")
  expect_equal(ldn_dose("4.5mg", threads = 1)$results$regimens$regimen, "4.5mg")
})
