# Reference values for tests/stats/test_proportions.cpp (Fisher odds ratio and interval).
# Run with: Rscript tests/stats/r/fisher.R   (R 4.2.2 from Debian 12: r-base-core, r-cran-survival, r-cran-mass)
f <- function(label, v) cat(sprintf("%-50s %s\n", label, paste(sprintf("%.17g", v), collapse=", ")))
# fisher.test's own conditional-likelihood functions, with uniroot tolerance 1e-15 instead
# of R's default .Machine$double.eps^0.25 (about 1.2e-4), which limits fisher.test's odds
# ratio and interval to ~4 digits.
tight <- function(x, alternative="two.sided", conf.level=0.95) {
  m <- sum(x[, 1L]); n <- sum(x[, 2L]); k <- sum(x[1L, ]); x <- x[1L, 1L]
  lo <- max(0L, k - n); hi <- min(k, m); support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d/sum(d) }
  mnhyper <- function(ncp) { if (ncp == 0) return(lo); if (ncp == Inf) return(hi); sum(support * dnhyper(ncp)) }
  pnhyper <- function(q, ncp = 1, upper.tail = FALSE) {
    if (ncp == 1) return(if (upper.tail) phyper(x - 1, m, n, k, lower.tail = FALSE) else phyper(x, m, n, k))
    if (ncp == 0) return(as.numeric(if (upper.tail) q <= lo else q >= lo))
    if (ncp == Inf) return(as.numeric(if (upper.tail) q <= hi else q >= hi))
    sum(dnhyper(ncp)[if (upper.tail) support >= q else support <= q]) }
  ur <- function(fn, int) uniroot(fn, int, tol=1e-15, maxiter=10000)$root
  mle <- function(x) { if (x == lo) return(0); if (x == hi) return(Inf); mu <- mnhyper(1)
    if (mu > x) ur(function(t) mnhyper(t) - x, c(0, 1)) else if (mu < x) 1/ur(function(t) mnhyper(1/t) - x, c(.Machine$double.eps, 1)) else 1 }
  ncp.U <- function(x, alpha) { if (x == hi) return(Inf); p <- pnhyper(x, 1)
    if (p < alpha) ur(function(t) pnhyper(x, t) - alpha, c(0, 1)) else if (p > alpha) 1/ur(function(t) pnhyper(x, 1/t) - alpha, c(.Machine$double.eps, 1)) else 1 }
  ncp.L <- function(x, alpha) { if (x == lo) return(0); p <- pnhyper(x, 1, upper.tail = TRUE)
    if (p > alpha) ur(function(t) pnhyper(x, t, upper.tail = TRUE) - alpha, c(0, 1)) else if (p < alpha) 1/ur(function(t) pnhyper(x, 1/t, upper.tail = TRUE) - alpha, c(.Machine$double.eps, 1)) else 1 }
  ci <- switch(alternative, less = c(0, ncp.U(x, 1 - conf.level)), greater = c(ncp.L(x, 1 - conf.level), Inf),
    two.sided = { alpha <- (1 - conf.level)/2; c(ncp.L(x, alpha), ncp.U(x, alpha)) })
  list(or = mle(x), ci = ci)
}
show <- function(label, tab, ...) {
  r <- fisher.test(tab, ...); t <- tight(tab, ...)
  cat("##", label, "\n"); f("p.value", r$p.value); f("R estimate", r$estimate); f("R conf.int", r$conf.int)
  f("tight estimate", t$or); f("tight conf.int", t$ci)
}
show("fisher.test(matrix(c(3, 1, 1, 3), 2))  tea tasting", matrix(c(3,1,1,3),2))
show("fisher.test(matrix(c(3, 1, 1, 3), 2), alternative='greater')", matrix(c(3,1,1,3),2), alternative="greater")
show("fisher.test(matrix(c(12, 5, 9, 19), 2))", matrix(c(12,5,9,19),2))
show("fisher.test(matrix(c(12, 5, 9, 19), 2), alternative='less', conf.level=0.9)", matrix(c(12,5,9,19),2), alternative="less", conf.level=0.9)
show("fisher.test(matrix(c(0, 8, 10, 6), 2))", matrix(c(0,8,10,6),2))
show("fisher.test(matrix(c(7, 0, 3, 9), 2))", matrix(c(7,0,3,9),2))
show("fisher.test(matrix(c(45, 30, 55, 70), 2))", matrix(c(45,30,55,70),2))
show("fisher.test(matrix(c(500, 400, 300, 450), 2))", matrix(c(500,400,300,450),2))
