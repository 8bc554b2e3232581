# make-summary.R — reference values for a whole endpoint summary, as a trial would report it.
# For each data set: per arm and pooled, n / events / competing / censored, median and
# quartiles with limits (quantile(survfit(..., conf.type = "log-log"))), landmarks at
# 365, 730, 1095 days (summary(fit, times =, extend = TRUE)), rmean to 1825 days
# (summary(fit, rmean = 1825)$table), median follow-up (median of the reverse
# Kaplan–Meier survfit(Surv(time, status == 0) ~ 1)); the stratified log-rank test
# (survdiff(... ~ arm + strata(stratum))); the RMST difference of each arm against
# arm 0 (normal, independent arms); for competing-risk sets, cmprsk::cuminc per arm
# read by timepoints() at two times (days for pbc, months for mgus2) and its stratified
# Gray test; the stratified Cox model with Efron ties
# (coxph(Surv(time, status == 1) ~ factor(arm) + strata(stratum))) and its
# likelihood-ratio, score and Wald tests.
# Run: Rscript make-summary.R (needs r-cran-survival and r-cran-cmprsk).
suppressPackageStartupMessages({ library(survival); library(cmprsk) })
f <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
conf <- 0.95
landmarks <- c(365, 730, 1095)
tau <- 1825

one <- function(d, name) {
  rows <- list()
  groups <- c(sort(unique(d$arm)), -1)
  for (g in groups) {
    s <- if (g < 0) d else d[d$arm == g, ]
    fit <- survfit(Surv(time, status == 1) ~ 1, data = s, conf.type = "log-log", conf.int = conf)
    q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
    lm <- summary(fit, times = landmarks, extend = TRUE)
    rm <- summary(fit, rmean = tau)$table
    rev <- survfit(Surv(time, status == 0) ~ 1, data = s, conf.type = "log-log", conf.int = conf)
    fq <- quantile(rev, probs = 0.5)
    rows[[length(rows) + 1]] <- data.frame(
      set = name, arm = g, n = nrow(s), events = sum(s$status == 1),
      competing = sum(s$status == 2), censored = sum(s$status == 0),
      q25 = f(q$quantile[1]), q25_lower = f(q$lower[1]), q25_upper = f(q$upper[1]),
      median = f(q$quantile[2]), median_lower = f(q$lower[2]), median_upper = f(q$upper[2]),
      q75 = f(q$quantile[3]), q75_lower = f(q$lower[3]), q75_upper = f(q$upper[3]),
      lm1_surv = f(lm$surv[1]), lm1_se = f(lm$std.err[1]), lm1_lower = f(lm$lower[1]),
      lm1_upper = f(lm$upper[1]), lm1_risk = lm$n.risk[1],
      lm3_surv = f(lm$surv[3]), lm3_se = f(lm$std.err[3]), lm3_lower = f(lm$lower[3]),
      lm3_upper = f(lm$upper[3]), lm3_risk = lm$n.risk[3],
      rmean = f(rm[["rmean"]]), rmean_se = f(rm[["se(rmean)"]]),
      followup = f(fq$quantile[1]))
  }
  do.call(rbind, rows)
}

tests <- function(d, name) {
  sd <- survdiff(Surv(time, status == 1) ~ arm + strata(stratum), data = d)
  df <- length(sd$n) - 1
  out <- data.frame(set = name, chisq = f(sd$chisq), df = df,
                    p = f(pchisq(sd$chisq, df, lower.tail = FALSE)))
  rm <- lapply(sort(unique(d$arm)), function(g) {
    fit <- survfit(Surv(time, status == 1) ~ 1, data = d[d$arm == g, ])
    summary(fit, rmean = tau)$table[c("rmean", "se(rmean)")]
  })
  z <- qnorm(1 - (1 - conf) / 2)
  diffs <- do.call(rbind, lapply(seq_along(rm)[-1], function(i) {
    diff <- rm[[i]][1] - rm[[1]][1]
    se <- sqrt(rm[[i]][2]^2 + rm[[1]][2]^2)
    data.frame(set = name, arm = sort(unique(d$arm))[i], diff = f(diff), lower = f(diff - z * se),
               upper = f(diff + z * se), p = f(2 * pnorm(-abs(diff / se))))
  }))
  list(out, diffs)
}

sets <- c("gbsg", "colon", "pbc")
arms <- do.call(rbind, lapply(sets, function(n) one(read.csv(paste0("../data/", n, ".csv")), n)))
tt <- lapply(sets, function(n) tests(read.csv(paste0("../data/", n, ".csv")), n))
write.csv(arms, "arms.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, lapply(tt, `[[`, 1)), "logrank.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, lapply(tt, `[[`, 2)), "rmstdiff.csv", row.names = FALSE, quote = FALSE)

cr_times <- list(pbc = c(365, 1095), mgus2 = c(12, 60))
cr <- do.call(rbind, lapply(names(cr_times), function(n) {
  d <- read.csv(paste0("../data/", n, ".csv"))
  ci <- cuminc(d$time, d$status, d$arm, strata = d$stratum, cencode = 0)
  tp <- timepoints(ci, cr_times[[n]])
  g <- ci$Tests["1", ]
  do.call(rbind, lapply(sort(unique(d$arm)), function(a) {
    key <- paste(a, 1)
    data.frame(set = n, arm = a, time1 = cr_times[[n]][1], est1 = f(tp$est[key, 1]), var1 = f(tp$var[key, 1]),
               time2 = cr_times[[n]][2], est2 = f(tp$est[key, 2]), var2 = f(tp$var[key, 2]),
               gray_stat = f(g[["stat"]]), gray_p = f(g[["pv"]]), gray_df = g[["df"]])
  }))
}))
write.csv(cr, "competing.csv", row.names = FALSE, quote = FALSE)

cox <- do.call(rbind, lapply(sets, function(n) {
  d <- read.csv(paste0("../data/", n, ".csv"))
  fit <- coxph(Surv(time, status == 1) ~ factor(arm) + strata(stratum), data = d, ties = "efron")
  sm <- summary(fit, conf.int = conf)
  data.frame(set = n, arm = seq_len(nrow(sm$coefficients)), coef = f(sm$coefficients[, "coef"]),
             se = f(sm$coefficients[, "se(coef)"]), hr = f(sm$conf.int[, "exp(coef)"]),
             lower = f(sm$conf.int[, "lower .95"]), upper = f(sm$conf.int[, "upper .95"]),
             p = f(sm$coefficients[, "Pr(>|z|)"]), lr_p = f(sm$logtest[["pvalue"]]),
             score_p = f(sm$sctest[["pvalue"]]), wald_p = f(sm$waldtest[["pvalue"]]))
}))
write.csv(cox, "cox.csv", row.names = FALSE, quote = FALSE)
