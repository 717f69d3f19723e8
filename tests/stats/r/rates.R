# Reference values for tests/stats/test_rates.cpp.
# Run with: Rscript tests/stats/r/rates.R   (R 4.2.2 from Debian 12: r-base-core, r-cran-survival, r-cran-mass)
f <- function(label, v) cat(sprintf("%-50s %s\n", label, paste(sprintf("%.17g", v), collapse=", ")))
set.seed(4242)
n <- 36
g <- rep(0:1, each=n/2)
expo <- round(runif(n, 0.5, 2.0), 2)
mu <- expo * ifelse(g == 1, 0.55, 1.0)
y <- rnbinom(n, size=1.5, mu=mu)
cat("y <-", paste(y, collapse=", "), "\n")
cat("expo <-", paste(sprintf("%.2f", expo), collapse=", "), "\n")
cat("g <-", paste(g, collapse=", "), "\n")
m <- glm(y ~ g + offset(log(expo)), family=poisson, control=glm.control(epsilon=1e-14, maxit=100))
cs <- summary(m)$coefficients
cat("## glm(y ~ g + offset(log(expo)), family=poisson, control=glm.control(epsilon=1e-14, maxit=100))\n")
for (i in 1:2) f(rownames(cs)[i], cs[i,])
f("deviance", m$deviance); f("null.deviance", m$null.deviance); f("df.residual", m$df.residual); f("logLik", logLik(m))
f("confint.default g", confint.default(m)["g",]); f("exp(confint.default g)", exp(confint.default(m)["g",]))
f("vcov", vcov(m))
# second predictor
x2 <- round(rnorm(n, 3, 1), 1)
cat("x2 <-", paste(sprintf("%.1f", x2), collapse=", "), "\n")
m2 <- glm(y ~ g + x2 + offset(log(expo)), family=poisson, control=glm.control(epsilon=1e-14, maxit=100))
cs <- summary(m2)$coefficients
cat("## glm(y ~ g + x2 + offset(log(expo)), family=poisson, ...)\n")
for (i in 1:3) f(rownames(cs)[i], cs[i,])
f("deviance", m2$deviance); f("null.deviance", m2$null.deviance)
library(MASS)
nb <- glm.nb(y ~ g + offset(log(expo)))
cat("## glm.nb(y ~ g + offset(log(expo))) default control\n")
cs <- summary(nb)$coefficients
for (i in 1:2) f(rownames(cs)[i], cs[i,])
f("theta", nb$theta); f("SE.theta", nb$SE.theta); f("twologlik", nb$twologlik); f("deviance", nb$deviance)
# Tight ML: alternate glm (fixed theta) and theta.ml with tight tolerances until theta is stable
th <- nb$theta
for (it in 1:50) {
  fit <- glm(y ~ g + offset(log(expo)), family=negative.binomial(th), control=glm.control(epsilon=1e-15, maxit=200), start=coef(nb))
  th.new <- theta.ml(y, fitted(fit), limit=200, eps=1e-12)
  if (abs(th.new - th) < 1e-14 * th) { th <- th.new; break }
  th <- th.new
}
fit <- glm(y ~ g + offset(log(expo)), family=negative.binomial(th), control=glm.control(epsilon=1e-15, maxit=200), start=coef(nb))
cat("## tight NB ML (iterations", it, ")\n")
cs <- summary(fit, dispersion=1)$coefficients
for (i in 1:2) f(rownames(cs)[i], cs[i,])
f("theta", th); f("SE.theta", attr(theta.ml(y, fitted(fit), limit=200, eps=1e-12), "SE"))
f("deviance", fit$deviance); f("null.deviance", fit$null.deviance)
mu <- fitted(fit); f("loglik", sum(dnbinom(y, size=th, mu=mu, log=TRUE)))
f("exp ci g", exp(cs[2,1] + c(-1,1)*qnorm(0.975)*cs[2,2]))
# check score equation of theta at tight fit
