# make-cox.R — reference values of the arm-indicator Cox model: for each data set,
# tie method and stratification,
#   fit <- coxph(Surv(time, status == 1) ~ factor(arm, levels = 0:(k - 1))
#                [+ strata(stratum)], ties = ties)
#   s <- summary(fit, conf.int = conf)   (conf 0.95 and 0.9)
# and the warnings coxph.fit raised ("Ran out of iterations", "coefficient may be
# infinite"). When every term is NA, R's wald.test is empty: written as 0 on 0 df.
# Status 2 (competing) is a censoring: the cause-specific hazard. The arm
# factor keeps every level up to the largest index, so an arm with nobody is an
# aliased (NA) term, as in the library's table. Run from this directory:
#   Rscript make-cox.R
# Writes fits.csv (one row per fit) and terms.csv (one row per fit, level and term).
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")

sets <- c("gbsg", "veteran", "colon", "lung", "aml", "pbc", "mgus2",
          "edge-onetime", "edge-day0", "edge-emptyarm", "edge-allcensored",
          "edge-cmptie", "edge-neverhalf", "edge-flathalf", "edge-armnoevent",
          "edge-separated", "edge-lonely", "sim-weeks", "sim-days")
confs <- c(0.95, 0.9)
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

fits <- list()
terms <- list()
for (set in sets) {
  d <- read.csv(file.path("..", "data", paste0(set, ".csv")))
  d$farm <- factor(d$arm, levels = 0:max(d$arm))
  for (stratified in if (max(d$stratum) > 0) c(0, 1) else 0) {
    for (ties in c("efron", "breslow")) {
      form <- if (stratified) Surv(time, status == 1) ~ farm + strata(stratum)
              else Surv(time, status == 1) ~ farm
      warns <- character(0)
      fit <- withCallingHandlers(coxph(form, data = d, ties = ties),
        warning = function(w) {
          warns <<- c(warns, conditionMessage(w))
          invokeRestart("muffleWarning")
        })
      converged <- !any(grepl("Ran out of iterations", warns))
      k <- length(coef(fit))
      infinite <- rep(0, k)
      named <- grep("Loglik converged before variable", warns, value = TRUE)
      if (length(named)) {
        idx <- as.integer(strsplit(sub(".*variable *([0-9,]+) *;.*", "\\1", named), ",")[[1]])
        infinite[idx] <- 1
      }
      s <- summary(fit)
      wald <- if (length(fit$wald.test)) fit$wald.test else 0
      wald_p <- if (length(fit$wald.test)) s$waldtest["pvalue"] else 1
      fits[[length(fits) + 1]] <- data.frame(
        set = set, stratified = stratified, ties = ties, n = fit$n, nevent = fit$nevent,
        iter = fit$iter, converged = as.integer(converged),
        may_be_infinite = as.integer(any(grepl("one or more coefficients may be infinite", warns))),
        loglik0 = num(fit$loglik[1]), loglik = num(fit$loglik[2]),
        lrt = num(s$logtest["test"]), lrt_df = s$logtest["df"], lrt_p = num(s$logtest["pvalue"]),
        score = num(s$sctest["test"]), score_df = s$sctest["df"], score_p = num(s$sctest["pvalue"]),
        wald = num(wald), wald_df = s$waldtest["df"], wald_p = num(wald_p))
      for (conf in confs) {
        s <- summary(fit, conf.int = conf)
        cf <- s$coefficients
        ci <- s$conf.int
        terms[[length(terms) + 1]] <- data.frame(
          set = set, stratified = stratified, ties = ties, conf = conf, term = seq_len(k),
          coef = num(cf[, "coef"]), se = num(cf[, "se(coef)"]), hr = num(cf[, "exp(coef)"]),
          z = num(cf[, "z"]), p = num(cf[, "Pr(>|z|)"]),
          lower = num(ci[, 3]), upper = num(ci[, 4]), infinite = infinite)
      }
    }
  }
}
write.csv(do.call(rbind, fits), "fits.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, terms), "terms.csv", row.names = FALSE, quote = FALSE)
