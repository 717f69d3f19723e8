# Reference values for tests/stats/test_crossover.cpp.
# Run with: Rscript tests/stats/r/crossover.R   (R 4.2.2 from Debian 12: r-base-core, r-cran-survival, r-cran-mass)
f <- function(label, v) cat(sprintf("%-40s %s\n", label, paste(sprintf("%.17g", v), collapse=", ")))
# MSQoL-54 physical health composite; A = LDN, B = placebo
seq <- c("AB","AB","AB","AB","AB","AB","AB","BA","BA","BA","BA","BA","BA","BA","BA")
p1  <- c(58.2, 61.5, 47.9, 66.3, 52.4, 70.1, 55.0, 50.3, 63.8, 45.2, 59.9, 68.4, 53.7, 57.1, 49.6)
p2  <- c(55.1, 60.2, 46.5, 61.9, 51.8, 66.7, 54.2, 53.9, 64.1, 49.0, 61.2, 70.3, 55.8, 58.0, 53.1)
d <- (p1 - p2)/2; tot <- p1 + p2
ab <- seq == "AB"
r <- t.test(d[ab], d[!ab], var.equal=TRUE)
cat("## treatment: t.test(d[ab], d[!ab], var.equal=TRUE), d = (p1-p2)/2\n")
f("estimate", r$estimate[1]-r$estimate[2]); f("stderr", r$stderr); f("t", r$statistic); f("df", r$parameter); f("p", r$p.value); f("ci", r$conf.int)
r <- t.test(d[ab], -d[!ab], var.equal=TRUE)
cat("## period: t.test(d[ab], -d[!ab], var.equal=TRUE)\n")
f("estimate", r$estimate[1]-r$estimate[2]); f("stderr", r$stderr); f("t", r$statistic); f("df", r$parameter); f("p", r$p.value); f("ci", r$conf.int)
r <- t.test(tot[ab], tot[!ab], var.equal=TRUE)
cat("## carryover: t.test(tot[ab], tot[!ab], var.equal=TRUE)\n")
f("estimate", r$estimate[1]-r$estimate[2]); f("stderr", r$stderr); f("t", r$statistic); f("df", r$parameter); f("p", r$p.value); f("ci", r$conf.int)
# independent check: within-subject linear model
long <- data.frame(subj=factor(rep(1:15, 2)), period=factor(rep(1:2, each=15)),
  trt=factor(c(ifelse(ab, "A", "B"), ifelse(ab, "B", "A")), levels=c("B","A")), y=c(p1, p2))
m <- lm(y ~ subj + period + trt, data=long)
cat("## lm(y ~ subj + period + trt)\n")
print(summary(m)$coefficients[c("period2","trtA"),], digits=17)
f("confint trtA", confint(m)["trtA",])
f("df.residual", m$df.residual)
yA <- ifelse(ab, p1, p2); yB <- ifelse(ab, p2, p1)
r <- t.test(yA, yB, paired=TRUE)
cat("## naive: t.test(yA, yB, paired=TRUE)\n")
f("estimate", r$estimate); f("stderr", r$stderr); f("t", r$statistic); f("df", r$parameter); f("p", r$p.value); f("ci", r$conf.int)
f("mean yA", mean(yA)); f("mean yB", mean(yB))
r <- t.test(d[ab], d[!ab], var.equal=TRUE, conf.level=0.9)
f("treatment ci 90%", r$conf.int)
