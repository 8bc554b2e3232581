# make-gsd.R — reference values for the group-sequential module (lib/gsd-*.c), from rpact 3.3.4.
#
# R calls: rpact::getDesignGroupSequential (criticalValues, futilityBounds, alphaSpent;
# typeOfDesign asOF, asP, asHSD, asKD and asUser; typeBetaSpending bsOF, bsP, bsHSD,
# bsKD, non-binding; fixed non-binding futilityBounds), rpact:::getSpendingValueCpp (the
# spending functions), rpact::getSampleSizeSurvival (maxNumberOfEvents: the planned
# events for which the design's hazard ratio gives rpact's beta-spending drift),
# rpact::getDataset(overallEvents =, overallLogRanks =, overallAllocationRatios =) with
# getStageResults(directionUpper = FALSE) (effectSizes, overallTestStatistics),
# getConditionalPower (thetaH1 = design hazard ratio, and the observed trend),
# getRepeatedConfidenceIntervals and getTestActions; survival::survdiff for the
# log-rank z of each data cut of the real data sets; mvtnorm::pmvnorm (TVPACK, exact
# trivariate normal orthants) for bounds of looks too close together for rpact's grid.
#
# Run from this directory: Rscript make-gsd.R.  Writes designs.csv, closelooks.csv,
# monitor.csv and monitor-looks.csv.  Needs r-cran-rpact, r-cran-survival and
# r-cran-mvtnorm.
suppressPackageStartupMessages({
  library(rpact)
  library(survival)
  library(mvtnorm)
})
stopifnot(packageVersion("rpact") == "3.3.4")

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write_ref <- function(rows, file) {
  d <- do.call(rbind, rows)
  for (col in names(d)) if (is.numeric(d[[col]])) d[[col]] <- num(d[[col]])
  write.csv(d, file, row.names = FALSE, quote = FALSE)
}

spending <- function(total, t, sided, type, gamma) {
  sapply(pmin(t, 1), function(x) rpact:::getSpendingValueCpp(total, x, sided, type, gamma))
}

# ---------------------------------------------------------------------------------
# Designs: bounds at given information fractions.
design_rows <- list()
add_design <- function(id, sided, alpha, type, gamma_a = NA_real_, rates,
                       beta = NA_real_, type_beta = "none", gamma_b = NA_real_,
                       futility = NA_real_, hazard_ratio = NA_real_, allocation = 1) {
  args <- list(kMax = length(rates), sided = sided, alpha = alpha, typeOfDesign = type,
               informationRates = rates)
  if (!is.na(gamma_a)) args$gammaA <- gamma_a
  if (type_beta != "none") {
    args$beta <- beta
    args$typeBetaSpending <- type_beta
    args$bindingFutility <- FALSE
    if (!is.na(gamma_b)) args$gammaB <- gamma_b
  }
  if (!is.na(futility)) {
    args$futilityBounds <- rep(futility, length(rates) - 1)
    args$bindingFutility <- FALSE
  }
  d <- suppressWarnings(do.call(getDesignGroupSequential, args))
  events <- NA_real_
  if (type_beta != "none") {
    # The planned events at which the design hazard ratio gives rpact's drift (shift).
    events <- getSampleSizeSurvival(d, hazardRatio = hazard_ratio, allocationRatioPlanned = allocation,
                                    lambda2 = log(2) / 12, accrualTime = 24,
                                    followUpTime = 12)$maxNumberOfEvents
  }
  fut <- rep(NA_real_, length(rates))
  if (!is.na(futility) || type_beta != "none") fut[-length(rates)] <- d$futilityBounds
  # rpact's two-sided integration cuts the paths still running at -6
  # (C_FUTILITY_BOUNDS_DEFAULT): after a bound above 6 those below -6 are lost, and
  # later bounds are off by up to 1e-4.  closelooks.csv has the exact bounds of such a start.
  exact <- sided == 1 | cumsum(c(0, head(d$criticalValues, -1) > 6)) == 0
  design_rows[[length(design_rows) + 1]] <<- data.frame(
    design = id, sided = sided, alpha = alpha, type_of_design = type, gamma_a = gamma_a,
    beta = beta, type_beta_spending = type_beta, gamma_b = gamma_b, futility_fixed = futility,
    planned_events = events, hazard_ratio = hazard_ratio, allocation = allocation,
    look = seq_along(rates), information_rate = rates,
    critical_value = d$criticalValues, futility_bound = fut, alpha_spent = d$alphaSpent,
    spending = spending(alpha, rates, sided, type, gamma_a), rpact_exact = exact)
}

eq <- function(k) seq_len(k) / k
uneq3 <- c(0.3, 0.65, 1)
uneq4 <- c(0.25, 0.6, 0.8, 1)
uneq5 <- c(0.2, 0.45, 0.7, 0.85, 1)

# The classic: K = 5, one-sided 0.025, O'Brien-Fleming type Lan-DeMets.
add_design("classic", 1, 0.025, "asOF", rates = eq(5))
for (sided in 1:2) {
  alpha <- c(0.025, 0.05)[sided]
  for (rates in list(eq(3), eq(10), uneq4, uneq5)) {
    k <- length(rates)
    tag <- paste0(ifelse(identical(rates, eq(k)), "eq", "uneq"), k, "-", sided)
    add_design(paste0("of-", tag), sided, alpha, "asOF", rates = rates)
    add_design(paste0("p-", tag), sided, alpha, "asP", rates = rates)
    add_design(paste0("hsd-4-", tag), sided, alpha, "asHSD", -4, rates = rates)
    add_design(paste0("hsd1-", tag), sided, alpha, "asHSD", 1, rates = rates)
    add_design(paste0("kd3-", tag), sided, alpha, "asKD", 3, rates = rates)
    add_design(paste0("kd1.5-", tag), sided, alpha, "asKD", 1.5, rates = rates)
  }
}
add_design("of-early-1", 1, 0.025, "asOF", rates = c(0.05, 0.5, 1))
add_design("p-k20-2", 2, 0.05, "asP", rates = eq(20))

# Non-binding beta-spending futility, one-sided.
add_design("of-bsof-eq4", 1, 0.025, "asOF", rates = eq(4), beta = 0.2, type_beta = "bsOF",
           hazard_ratio = 0.7)
add_design("of-bsof-uneq5", 1, 0.025, "asOF", rates = uneq5, beta = 0.2, type_beta = "bsOF",
           hazard_ratio = 0.75, allocation = 2)
add_design("p-bsp-eq3", 1, 0.025, "asP", rates = eq(3), beta = 0.1, type_beta = "bsP",
           hazard_ratio = 0.7)
add_design("p-bsp-uneq4", 1, 0.025, "asP", rates = uneq4, beta = 0.2, type_beta = "bsP",
           hazard_ratio = 0.8, allocation = 1.5)
add_design("hsd-bshsd-eq5", 1, 0.025, "asHSD", -4, rates = eq(5), beta = 0.2, type_beta = "bsHSD",
           gamma_b = -2, hazard_ratio = 0.7)
add_design("hsd-bshsd-uneq3", 1, 0.025, "asHSD", -2, rates = uneq3, beta = 0.1, type_beta = "bsHSD",
           gamma_b = 1, hazard_ratio = 0.65)
add_design("kd-bskd-eq4", 1, 0.025, "asKD", 3, rates = eq(4), beta = 0.2, type_beta = "bsKD",
           gamma_b = 2, hazard_ratio = 0.7)
add_design("kd-bskd-uneq5", 1, 0.025, "asKD", 2, rates = uneq5, beta = 0.15, type_beta = "bsKD",
           gamma_b = 1.5, hazard_ratio = 0.75, allocation = 2)
add_design("of-bsof-eq10", 1, 0.025, "asOF", rates = eq(10), beta = 0.2, type_beta = "bsOF",
           hazard_ratio = 0.75)
# Fixed non-binding futility bounds.
add_design("of-fix-eq4", 1, 0.025, "asOF", rates = eq(4), futility = 0)
add_design("p-fix-uneq3", 1, 0.025, "asP", rates = uneq3, futility = 0.25)

# A final look beyond the planned events: the same cumulative alpha spent by the
# user-defined type at information rates relative to the final look's events.
overrun <- function(id, sided, alpha, type, gamma_a, events, planned) {
  t <- events / planned
  ua <- spending(alpha, t, sided, type, gamma_a)
  ua[length(ua)] <- alpha
  d <- getDesignGroupSequential(kMax = length(t), sided = sided, alpha = alpha, typeOfDesign = "asUser",
                                userAlphaSpending = ua, informationRates = t / t[length(t)])
  design_rows[[length(design_rows) + 1]] <<- data.frame(
    design = id, sided = sided, alpha = alpha, type_of_design = type, gamma_a = gamma_a,
    beta = NA_real_, type_beta_spending = "none", gamma_b = NA_real_, futility_fixed = NA_real_,
    planned_events = NA_real_, hazard_ratio = NA_real_, allocation = 1,
    look = seq_along(t), information_rate = t,
    critical_value = d$criticalValues, futility_bound = NA_real_, alpha_spent = d$alphaSpent,
    spending = ua, rpact_exact = TRUE)
}
overrun("of-over-1", 1, 0.025, "asOF", NA_real_, c(100, 200, 330), 300)
overrun("p-over-2", 2, 0.05, "asP", NA_real_, c(90, 150, 240, 290), 250)

write_ref(design_rows, "designs.csv")

# ---------------------------------------------------------------------------------
# Looks close together, one-sided: each bound solves P(no earlier crossing, Z_k > b_k)
# = the look's alpha, from normal orthant probabilities (correlation sqrt(t_j / t_k))
# that TVPACK integrates to 1e-15 for up to three looks; a fourth look's come from
# Genz-Bretz quasi-Monte Carlo (fixed seed), good to about 1e-6 on the bound: the
# column tolerance says which.
close_rows <- list()
add_close <- function(id, type, gamma_a, t, alpha = 0.025) {
  K <- length(t)
  cum <- spending(alpha, t, 1, type, gamma_a)
  cum[t >= 1] <- alpha
  inc <- diff(c(0, cum))
  corr <- outer(t, t, function(a, b) sqrt(pmin(a, b) / pmax(a, b)))
  orthant <- function(upper) {
    k <- seq_along(upper)
    if (length(upper) == 1) return(pnorm(upper))
    if (length(upper) <= 3)
      return(as.numeric(pmvnorm(upper = upper, corr = corr[k, k], algorithm = TVPACK(abseps = 1e-15))))
    set.seed(2108)
    as.numeric(pmvnorm(upper = upper, corr = corr[k, k],
                       algorithm = GenzBretz(maxpts = 1e7, abseps = 1e-12, releps = 0)))
  }
  b <- qnorm(inc[1], lower.tail = FALSE)
  for (k in seq_len(K)[-1]) {
    below <- orthant(b)
    b[k] <- uniroot(function(x) below - orthant(c(b, x)) - inc[k], c(0, 10), tol = 1e-13)$root
  }
  close_rows[[length(close_rows) + 1]] <<- data.frame(
    design = id, sided = 1, alpha = alpha, type_of_design = type, gamma_a = gamma_a,
    look = seq_len(K), information_rate = t, critical_value = b,
    tolerance = ifelse(seq_len(K) <= 3, 1e-8, 1e-5))
}
add_close("of-close", "asOF", NA_real_, c(0.5, 0.503, 1))
add_close("of-close-end", "asOF", NA_real_, c(0.98, 0.99, 1))
add_close("p-close", "asP", NA_real_, c(0.3, 0.31, 0.32))
add_close("hsd-close-over", "asHSD", -4, c(0.9, 0.903, 1.02))
# monitor.csv's colon-lev5fu-close: a look made now 3 events after the last look.
# rpact's own bounds are off here by 1e-4 (the look now) and 1e-2 (the final look).
add_close("colon-close", "asOF", NA_real_, c(96, 190, 193, 320) / 320)

# Two-sided, two looks, the first bound above 6 (of-eq10-2 in designs.csv): the second
# solves 2 P(|Z_1| < b_1, Z_2 > b_2) = its alpha, a bivariate normal rectangle.
t <- c(0.1, 0.2)
cum <- spending(0.05, t, 2, "asOF", NA_real_)
b <- qnorm(cum[1] / 2, lower.tail = FALSE)
corr <- matrix(c(1, sqrt(t[1] / t[2]), sqrt(t[1] / t[2]), 1), 2)
rect <- function(x) {
  as.numeric(pmvnorm(lower = c(-b, x), upper = c(b, Inf), corr = corr,
                     algorithm = GenzBretz(maxpts = 1e7, abseps = 1e-16, releps = 1e-12)))
}
b[2] <- suppressWarnings(uniroot(function(x) 2 * rect(x) - (cum[2] - cum[1]), c(3, 6), tol = 1e-13)$root)
close_rows[[length(close_rows) + 1]] <- data.frame(
  design = "of-two-sided-start", sided = 2, alpha = 0.05, type_of_design = "asOF", gamma_a = NA_real_,
  look = 1:2, information_rate = t, critical_value = b, tolerance = 1e-8)
write_ref(close_rows, "closelooks.csv")

# ---------------------------------------------------------------------------------
# Monitoring: looks at data cuts of real trials.  Follow-up time stands in for
# calendar time (every patient randomized at once): the cut at the d-th event of a
# comparison censors everyone still event-free then.
read_set <- function(name) read.csv(file.path("..", "data", paste0(name, ".csv")))

cut_at <- function(d, events) {
  tau <- sort(d$time[d$status == 1])[events]
  list(time = pmin(d$time, tau), status = as.integer(d$status == 1 & d$time <= tau))
}

# Events (more than asked when the cut falls on tied deaths) and log-rank z of arm
# `exp` against arm `ctl` at a cut, z positive when exp does better.
logrank_at <- function(d, ctl, exp, events) {
  d <- d[d$arm %in% c(ctl, exp), ]
  c <- cut_at(d, events)
  arm <- factor(d$arm, levels = c(ctl, exp))
  sd <- survdiff(Surv(c$time, c$status) ~ arm)
  c(events = sum(c$status), z = (sd$exp[2] - sd$obs[2]) / sqrt(sd$var[2, 2]))
}

monitor_rows <- list()
look_rows <- list()
add_monitor <- function(id, set, ctl, exp, look_events, now_events, planned, sided, alpha, type,
                        gamma_a = NA_real_, futility = NA_real_, hazard_ratio, allocation = 1) {
  d <- read_set(set)
  looks <- vapply(look_events, function(e) logrank_at(d, ctl, exp, e), numeric(2))
  look_events <- looks[1, ]
  look_z <- looks[2, ]
  now <- logrank_at(d, ctl, exp, now_events)
  now_events <- now[["events"]]
  now_z <- now[["z"]]
  new_look <- length(look_events) == 0 || now_events > look_events[length(look_events)]
  events <- if (new_look) c(look_events, now_events) else look_events
  z <- if (new_look) c(look_z, now_z) else look_z
  z[length(z)] <- now_z
  t <- events / planned
  final <- t[length(t)] >= 1
  rates <- if (final) t / t[length(t)] else c(t, 1)
  kind <- c(rep("look", length(look_events)), if (new_look) "now", if (!final) "final")
  k <- length(events)
  args <- list(kMax = length(rates), sided = sided, alpha = alpha, typeOfDesign = type,
               informationRates = rates)
  if (!is.na(gamma_a)) args$gammaA <- gamma_a
  if (!is.na(futility)) {
    args$futilityBounds <- rep(futility, length(rates) - 1)
    args$bindingFutility <- FALSE
  }
  if (final) {
    # Beyond the planned events the last look spends what is left (user-defined spending).
    ua <- spending(alpha, t, sided, type, gamma_a)
    ua[length(ua)] <- alpha
    args$typeOfDesign <- "asUser"
    args$userAlphaSpending <- ua
    args$gammaA <- NULL
  }
  design <- suppressWarnings(do.call(getDesignGroupSequential, args))
  ds <- getDataset(overallEvents = events, overallLogRanks = -z,
                   overallAllocationRatios = rep(allocation, k))
  sr <- getStageResults(design, ds, directionUpper = FALSE)
  actions <- getTestActions(sr)
  # (capture.output: rpact prints its progress.)
  capture.output(rci <- suppressWarnings(
    getRepeatedConfidenceIntervals(design, ds, directionUpper = FALSE, tolerance = 1e-12)))
  cp_design <- cp_trend <- NA_real_
  if (!final) {
    cp <- getConditionalPower(sr, nPlanned = planned - events[k], thetaH1 = hazard_ratio,
                              allocationRatioPlanned = allocation)
    cp_design <- cp$conditionalPower[k + 1]
    cp <- getConditionalPower(sr, nPlanned = planned - events[k], allocationRatioPlanned = allocation)
    cp_trend <- cp$conditionalPower[k + 1]
  }
  monitor_rows[[length(monitor_rows) + 1]] <<- data.frame(
    scenario = id, set = set, control = ctl, experimental = exp, sided = sided, alpha = alpha,
    type_of_design = type, gamma_a = gamma_a, futility_fixed = futility, planned_events = planned,
    hazard_ratio = hazard_ratio, allocation = allocation, n_looks = length(look_events),
    events_now = now_events, z_now = now_z, effect_size_now = sr$effectSizes[k],
    action_now = actions[k], cp_design = cp_design, cp_trend = cp_trend)
  n <- length(rates)
  fut <- rep(NA_real_, n)
  if (!is.na(futility)) fut[seq_len(n - 1)] <- futility
  fut[rates >= 1] <- NA
  look_rows[[length(look_rows) + 1]] <<- data.frame(
    scenario = id, index = seq_len(n) - 1, kind = kind,
    events = c(events, if (!final) planned), z = c(z, if (!final) NA),
    information_rate = c(t, if (!final) 1), critical_value = design$criticalValues,
    futility_bound = fut, alpha_spent = design$alphaSpent,
    effect_size = c(sr$effectSizes[seq_len(k)], if (!final) NA),
    rci_lower = rci[1, ], rci_upper = rci[2, ],
    action = c(actions[seq_len(k)], if (!final) NA),
    # rpact's grid (91 points) cannot resolve a look a few events after the last one.
    rpact_exact = cumsum(diff(c(0, rates)) <= 0.02) == 0)
}

# Colon cancer (deaths): Lev+5FU (2) and Lev (1) against observation (0), one design.
add_monitor("colon-lev5fu-of", "colon", 0, 2, c(95, 190), 240, 320, 1, 0.025, "asOF", hazard_ratio = 0.75)
add_monitor("colon-lev-of", "colon", 0, 1, c(110, 220), 280, 320, 1, 0.025, "asOF", hazard_ratio = 0.75)
add_monitor("colon-lev5fu-p2", "colon", 0, 2, c(80, 160), 200, 280, 2, 0.05, "asP", hazard_ratio = 0.75)
# GBSG (recurrence): tamoxifen (1) against none (0); fixed futility bound.
add_monitor("gbsg-hsd-fix", "gbsg", 0, 1, c(100, 200), 260, 330, 1, 0.025, "asHSD", -4, futility = 0,
            hazard_ratio = 0.7, allocation = 0.6)
# The look made now is the last recorded look.
add_monitor("gbsg-kd-same", "gbsg", 0, 1, c(120, 240), 240, 330, 1, 0.025, "asKD", 3, hazard_ratio = 0.7,
            allocation = 0.6)
# No recorded look yet.
add_monitor("veteran-of-first", "veteran", 0, 1, numeric(0), 60, 120, 2, 0.05, "asOF", hazard_ratio = 0.7)
# A final look beyond the planned events.
add_monitor("veteran-p-final", "veteran", 0, 1, c(40, 80), 125, 120, 1, 0.025, "asP", hazard_ratio = 0.7)
# A look made now a few events after the last one.
add_monitor("colon-lev5fu-close", "colon", 0, 2, c(95, 190), 193, 320, 1, 0.025, "asOF", hazard_ratio = 0.75)

write_ref(monitor_rows, "monitor.csv")
write_ref(look_rows, "monitor-looks.csv")
