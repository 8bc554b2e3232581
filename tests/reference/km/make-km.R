# make-km.R — Kaplan–Meier reference values from survival 3.5.3. Run here: Rscript make-km.R
# Curves: survfit(Surv(time, status == 1) ~ 1, conf.type=, conf.int=) on the selected
#   patients (all, one arm pooling its strata, one stratum, one cell); competing events
#   (status 2) are censorings. Reverse curves: survfit(Surv(time, status == 0) ~ 1).
#   Rows: fit$time, n.risk, n.event, n.censor, surv, std.err * surv (as summary.survfit
#   reports it), lower and upper for each conf.type at conf.int 0.95, and for log-log
#   at 0.90 (the quantiles and landmarks cover the other settings at 0.90).
# Quantiles: quantile(fit, probs = c(0.25, 0.5, 0.75)) with its lower/upper limits.
# Probability sets: quantile(fit, probs) for the sets of probs in probs.csv, including
#   0, 1e-9 and 1, and "nearhalf", a curve given by case weights standing for counts:
#   survfit(Surv(c(5, 7), c(1, 0)) ~ 1, weights = c(50000000, 50000001)), whose S ends
#   5e-9 above 0.5: quantile.survfit's result then depends on min(probs).  Two more
#   curves have a limit line whose last distinct value findq finds only by dropping
#   copies of earlier values: "nanlast", survfit(Surv(c(1, 3, 5), c(0, 1, 1)) ~ 1,
#   conf.type = "log-log"), whose lower limit is NA at S = 1 and again at S = 0, and
#   "capped", 100 patients (50 events at day 1, 48 censored at 2, an event at 3 and a
#   censoring at 4, conf.type = "log"), whose upper limit is capped at 1 again at day 3;
#   their probs are 0.25 and that last value.
# Landmarks: summary(fit, times = days, extend = TRUE): surv, std.err, lower, upper, n.risk.
# RMST: summary(fit, rmean = tau)$table[, c("rmean", "se(rmean)")] (what print(fit,
#   rmean = tau) shows). The difference of arm a and arm 0 is computed from those two
#   survfit rmeans: diff = rmean_a - rmean_0, se = sqrt(se_a^2 + se_0^2), limits
#   diff -/+ qnorm(1 - (1 - level) / 2) * se, p = 2 * pnorm(-abs(diff) / se).
# Writes curves.csv, quantiles.csv, probs.csv, landmarks.csv, rmst.csv, rmstdiff.csv; arm and
# stratum -1 mean all. Every number is printed with sprintf("%.17g").
suppressPackageStartupMessages(library(survival))

sets <- c("gbsg", "veteran", "colon", "lung", "aml", "pbc", "edge-allcensored",
          "edge-onepatient", "edge-onetime", "edge-day0", "edge-neverhalf", "edge-flathalf",
          "edge-emptyarm", "edge-cmptie")
confs <- expand.grid(type = c("plain", "log", "log-log"), level = c(0.95, 0.90),
                     stringsAsFactors = FALSE)
# Curve rows and landmarks use some of the six settings to keep the files small.
curve_confs <- confs[c(1, 2, 3, 6), ]
landmark_confs <- confs[c(1, 5, 3), ]

num <- function(x) ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.17g", x))
out <- function(d, file) {
  for (j in seq_along(d)) if (is.numeric(d[[j]])) d[[j]] <- num(d[[j]])
  write.csv(d, file, row.names = FALSE, quote = FALSE)
}
short <- function(type) sub("-", "", type)

fit_one <- function(d, reverse, type = "log", level = 0.95) {
  if (reverse) survfit(Surv(time, status == 0) ~ 1, data = d, conf.type = type, conf.int = level)
  else survfit(Surv(time, status == 1) ~ 1, data = d, conf.type = type, conf.int = level)
}

curves <- list(); quants <- list(); marks <- list(); rmst <- list(); rdiff <- list()
for (set in sets) {
  d <- read.csv(file.path("..", "data", paste0(set, ".csv")))
  arms <- sort(unique(d$arm)); strata <- sort(unique(d$stratum))
  # All, each arm, each stratum (sets with three or more), one cell, reverse of all.
  sel <- data.frame(arm = c(-1, arms), stratum = -1)
  if (length(strata) > 2)
    sel <- rbind(sel, data.frame(arm = -1, stratum = strata))
  if (length(strata) > 1)
    sel <- rbind(sel, data.frame(arm = arms[length(arms)], stratum = strata[1]))
  sel <- rbind(cbind(sel, reverse = 0), data.frame(arm = -1, stratum = -1, reverse = 1))
  taus <- sort(unique(c(min(d$time), median(d$time), max(d$time[d$status == 1], 0),
                        max(d$time), max(d$time) + 30)))
  for (s in seq_len(nrow(sel))) {
    a <- sel$arm[s]; st <- sel$stratum[s]; rev <- sel$reverse[s]
    sub <- d[(a < 0 | d$arm == a) & (st < 0 | d$stratum == st), ]
    key <- data.frame(set = set, arm = a, stratum = st, reverse = rev)
    f <- fit_one(sub, rev)
    rows <- data.frame(key, time = f$time, n_risk = f$n.risk, n_event = f$n.event,
                       n_censor = f$n.censor, surv = f$surv, std_err = f$std.err * f$surv)
    for (k in seq_len(nrow(curve_confs))) {
      fk <- fit_one(sub, rev, curve_confs$type[k], curve_confs$level[k])
      tag <- paste0(short(curve_confs$type[k]), "_", 100 * curve_confs$level[k])
      rows[[paste0("lower_", tag)]] <- fk$lower
      rows[[paste0("upper_", tag)]] <- fk$upper
    }
    for (k in seq_len(nrow(confs))) {
      fk <- fit_one(sub, rev, confs$type[k], confs$level[k])
      q <- quantile(fk, probs = c(0.25, 0.5, 0.75))
      quants[[length(quants) + 1]] <- data.frame(key, conf_type = confs$type[k],
        conf_level = confs$level[k], prob = c(0.25, 0.5, 0.75),
        quantile = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper))
    }
    curves[[length(curves) + 1]] <- rows

    first_event <- min(c(f$time[f$n.event > 0], Inf))
    days <- sort(unique(c(0, if (is.finite(first_event)) c(first_event - 1, first_event),
                          f$time[ceiling(length(f$time) / 2)], f$time[length(f$time)],
                          round(mean(f$time)) + 0:1, max(f$time) + 100)))
    days <- days[days >= 0]
    for (k in seq_len(nrow(landmark_confs))) {
      fk <- fit_one(sub, rev, landmark_confs$type[k], landmark_confs$level[k])
      m <- summary(fk, times = days, extend = TRUE)
      marks[[length(marks) + 1]] <- data.frame(key, conf_type = landmark_confs$type[k],
        conf_level = landmark_confs$level[k], day = m$time, surv = m$surv,
        std_err = m$std.err, lower = m$lower, upper = m$upper, n_risk = m$n.risk)
    }
    if (rev == 0)
      for (tau in taus[taus >= min(f$time)]) {
        tb <- summary(f, rmean = tau)$table
        rmst[[length(rmst) + 1]] <- data.frame(key, tau = tau, rmean = tb[["rmean"]],
                                               se = tb[["se(rmean)"]])
      }
  }
  if (length(arms) > 1)
    for (a in arms[-1]) for (tau in taus) for (level in c(0.95, 0.90)) {
      f1 <- fit_one(d[d$arm == a, ], 0); f0 <- fit_one(d[d$arm == arms[1], ], 0)
      if (tau < min(f1$time) || tau < min(f0$time)) next
      t1 <- summary(f1, rmean = tau)$table; t0 <- summary(f0, rmean = tau)$table
      diff <- t1[["rmean"]] - t0[["rmean"]]
      se <- sqrt(t1[["se(rmean)"]]^2 + t0[["se(rmean)"]]^2)
      z <- qnorm(1 - (1 - level) / 2)
      rdiff[[length(rdiff) + 1]] <- data.frame(set = set, arm = a, control = arms[1],
        tau = tau, conf_level = level, diff = diff, se = se, lower = diff - z * se,
        upper = diff + z * se, p = 2 * pnorm(-abs(diff) / se))
    }
}
prob_sets <- list(c(0, 1e-9, 0.5, 1), 0.5, c(0.25, 0.5))
prob_curves <- list(
  list(set = "gbsg", arm = -1, data = read.csv("../data/gbsg.csv")),
  list(set = "aml", arm = 0, data = subset(read.csv("../data/aml.csv"), arm == 0)),
  list(set = "edge-onepatient", arm = -1, data = read.csv("../data/edge-onepatient.csv")),
  list(set = "edge-flathalf", arm = 0, data = subset(read.csv("../data/edge-flathalf.csv"), arm == 0)),
  list(set = "nearhalf", arm = -1, data = data.frame(time = c(5, 7), status = c(1, 0),
                                                     w = c(50000000, 50000001))))
probs <- list()
for (pc in prob_curves) for (type in c("log", "log-log")) for (ps in prob_sets) {
  w <- if (is.null(pc$data$w)) rep(1, nrow(pc$data)) else pc$data$w
  f <- survfit(Surv(time, status == 1) ~ 1, data = pc$data, weights = w, conf.type = type)
  q <- quantile(f, probs = ps)
  probs[[length(probs) + 1]] <- data.frame(set = pc$set, arm = pc$arm, conf_type = type,
    probs = paste(ps, collapse = " "), prob = ps, quantile = unname(q$quantile),
    lower = unname(q$lower), upper = unname(q$upper))
}
crafted <- list(
  list(set = "nanlast", type = "log-log", line = "lower",
       data = data.frame(time = c(1, 3, 5), status = c(0, 1, 1))),
  list(set = "capped", type = "log", line = "upper",
       data = data.frame(time = rep(1:4, c(50, 48, 1, 1)), status = rep(c(1, 0, 1, 0), c(50, 48, 1, 1)))))
for (cc in crafted) {
  f <- survfit(Surv(time, status == 1) ~ 1, data = cc$data, conf.type = cc$type)
  line <- f[[cc$line]]
  ps <- c(0.25, 1 - line[max(which(!is.na(line) & line < 1))])
  q <- quantile(f, probs = ps)
  probs[[length(probs) + 1]] <- data.frame(set = cc$set, arm = -1, conf_type = cc$type,
    probs = "crafted", prob = ps, quantile = unname(q$quantile), lower = unname(q$lower),
    upper = unname(q$upper))
}
out(do.call(rbind, probs), "probs.csv")
out(do.call(rbind, curves), "curves.csv")
out(do.call(rbind, quants), "quantiles.csv")
out(do.call(rbind, marks), "landmarks.csv")
out(do.call(rbind, rmst), "rmst.csv")
out(do.call(rbind, rdiff), "rmstdiff.csv")
