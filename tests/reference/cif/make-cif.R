# make-cif.R — reference values for the competing-risks module (lib/cif.c, lib/gray.c):
#   cmprsk::cuminc(time, status, arm, cencode = 0) and cuminc(time, status, cencode = 0):
#     cause-1 $est and $var at each day with an event of either cause -> curves.csv
#   cmprsk::timepoints() of those fits at landmark days               -> timepoints.csv
#   cmprsk::cuminc(time, status, arm, [strata = stratum,] rho = r)$Tests["1", ]
#                                                                      -> tests.csv
# arm -1 stands for the pooled curve.  Reads ../data/*.csv (status 0 censored, 1 event,
# 2 competing).  Run from this directory: Rscript make-cif.R
suppressPackageStartupMessages(library(cmprsk))
stopifnot(packageVersion("cmprsk") == "2.2.11")

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write_ref <- function(d, file) write.csv(d, file, row.names = FALSE, quote = FALSE)

sets <- c("pbc", "mgus2", "colon-cr", "edge-cmptie", "edge-cmpempty", "edge-day0", "edge-emptyarm",
          "edge-onepatient", "edge-onetime")
curves <- list()
points <- list()
tests <- list()

# cuminc's vectors are (0; t1, t1; t2, t2; ...; last follow-up): the value from day t
# on is the last element at or before t, the final repeat left out.
read_curve <- function(fit, days) {
  n <- length(fit$time)
  idx <- sapply(days, function(t) max(which(fit$time[-n] <= t)))
  list(est = fit$est[idx], var = fit$var[idx])
}

for (set in sets) {
  d <- read.csv(file.path("..", "data", paste0(set, ".csv")))
  by_arm <- cuminc(d$time, d$status, d$arm, cencode = 0)
  pooled <- cuminc(d$time, d$status, cencode = 0)
  # Landmarks: before day 0, day 0, quantiles of follow-up, each arm's last day and the next.
  last <- tapply(d$time, d$arm, max)
  days <- sort(unique(c(-1, 0, round(quantile(d$time, c(0.1, 0.25, 0.5, 0.75, 0.9))),
                        last, last + 1)))
  for (arm in c(-1, sort(unique(d$arm)))) {
    sel <- if (arm < 0) rep(TRUE, nrow(d)) else d$arm == arm
    fit <- if (arm < 0) pooled[["1 1"]] else by_arm[[paste(arm, 1)]]
    t <- sort(unique(d$time[sel & d$status != 0]))
    if (length(t) > 0) {
      v <- read_curve(fit, t)
      curves[[length(curves) + 1]] <- data.frame(set = set, arm = arm, time = t,
                                                 estimate = num(v$est), variance = num(v$var))
    }
    tp <- timepoints(if (arm < 0) pooled else by_arm, days)
    row <- if (arm < 0) "1 1" else paste(arm, 1)
    points[[length(points) + 1]] <- data.frame(set = set, arm = arm, day = days,
                                               estimate = num(tp$est[row, ]),
                                               variance = num(tp$var[row, ]))
  }
  if (length(unique(d$arm)) > 1) {
    for (rho in c(0, 1)) {
      z <- cuminc(d$time, d$status, d$arm, rho = rho, cencode = 0)$Tests["1", ]
      tests[[length(tests) + 1]] <- data.frame(set = set, stratified = 0, rho = rho,
                                               stat = num(z["stat"]), p = num(z["pv"]), df = z["df"])
      if (length(unique(d$stratum)) > 1) {
        z <- cuminc(d$time, d$status, d$arm, d$stratum, rho = rho, cencode = 0)$Tests["1", ]
        tests[[length(tests) + 1]] <- data.frame(set = set, stratified = 1, rho = rho,
                                                 stat = num(z["stat"]), p = num(z["pv"]), df = z["df"])
      }
    }
  }
}

write_ref(do.call(rbind, curves), "curves.csv")
write_ref(do.call(rbind, points), "timepoints.csv")
write_ref(do.call(rbind, tests), "tests.csv")
