# make-logrank.R — log-rank reference values from survival 3.5.3. Run here: Rscript make-logrank.R
# Test: survdiff(Surv(time, status == 1) ~ arm) and, for sets with strata,
#   survdiff(Surv(time, status == 1) ~ arm + strata(stratum)); competing events (status
#   2) are censorings.  logrank.csv: chisq, df and pchisq(chisq, df, lower.tail = FALSE)
#   per test; arms.csv: per present arm, observed and expected (summed over strata) and
#   its row of the variance matrix (var_0, var_1, var_2 by arm index, NA for an absent arm).
#   Where survdiff stops (a singular variance), chisq and p are NA and observed, expected
#   and var come from survival:::survdiff.fit, which survdiff calls.
# Pairs: z.csv: for each arm a against arm 0, survdiff on the patients of arms 0 and a
#   (stratified too where the set has strata): observed, expected and var[a, a] of arm a
#   and z = (expected - observed) / sqrt(var).
# Every number is printed with sprintf("%.17g").
suppressPackageStartupMessages(library(survival))

sets <- c("gbsg", "veteran", "colon", "lung", "aml", "pbc", "mgus2", "edge-allcensored",
          "edge-onetime", "edge-day0", "edge-neverhalf", "edge-flathalf", "edge-emptyarm",
          "edge-cmptie")

num <- function(x) ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.17g", x))
out <- function(d, file) {
  for (j in seq_along(d)) if (is.numeric(d[[j]])) d[[j]] <- num(d[[j]])
  write.csv(d, file, row.names = FALSE, quote = FALSE)
}

# survdiff's numbers, or survdiff.fit's with NA statistics where survdiff stops.
logrank <- function(d, stratified) {
  f <- if (stratified) Surv(time, status == 1) ~ arm + strata(stratum)
       else Surv(time, status == 1) ~ arm
  sd <- tryCatch(survdiff(f, data = d), error = function(e) NULL)
  if (!is.null(sd))
    return(list(obs = sd$obs, exp = sd$exp, var = sd$var, chisq = sd$chisq,
                df = sum(rowSums(as.matrix(sd$exp)) > 0) - 1, p = sd$pvalue))
  y <- Surv(d$time, d$status == 1)
  fit <- if (stratified) survival:::survdiff.fit(y, factor(d$arm), d$stratum)
         else survival:::survdiff.fit(y, factor(d$arm))
  list(obs = fit$observed, exp = fit$expected, var = fit$var, chisq = NA,
       df = sum(rowSums(as.matrix(fit$expected)) > 0) - 1, p = NA)
}

tests <- list(); arms <- list(); zs <- list()
for (set in sets) {
  d <- read.csv(file.path("..", "data", paste0(set, ".csv")))
  present <- sort(unique(d$arm))
  for (stratified in if (length(unique(d$stratum)) > 1) c(0, 1) else 0) {
    lr <- logrank(d, stratified == 1)
    tests[[length(tests) + 1]] <- data.frame(set = set, stratified = stratified,
      chisq = lr$chisq, df = lr$df, p = lr$p)
    v <- matrix(NA, length(present), 3)
    v[, present + 1] <- lr$var
    arms[[length(arms) + 1]] <- data.frame(set = set, stratified = stratified, arm = present,
      observed = rowSums(as.matrix(lr$obs)), expected = rowSums(as.matrix(lr$exp)),
      var_0 = v[, 1], var_1 = v[, 2], var_2 = v[, 3])
    for (a in present[-1]) {
      pair <- logrank(d[d$arm %in% c(present[1], a), ], stratified == 1)
      o <- sum(as.matrix(pair$obs)[2, ]); e <- sum(as.matrix(pair$exp)[2, ])
      zs[[length(zs) + 1]] <- data.frame(set = set, stratified = stratified, arm = a,
        control = present[1], observed = o, expected = e, var = pair$var[2, 2],
        z = (e - o) / sqrt(pair$var[2, 2]))
    }
  }
}
out(do.call(rbind, tests), "logrank.csv")
out(do.call(rbind, arms), "arms.csv")
out(do.call(rbind, zs), "z.csv")
