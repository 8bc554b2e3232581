# export.R — writes the public data sets the reference tests use, as time,status,arm,stratum.
# status: 0 censored, 1 the endpoint's event, 2 a competing event. arm and stratum are
# 0-based indices of the factor levels named in each block. Run from this directory:
#   Rscript export.R
# Needs r-cran-survival. Every other reference script reads these files back.
suppressPackageStartupMessages(library(survival))

write_set <- function(name, time, status, arm, stratum) {
  d <- data.frame(time = as.integer(time), status = as.integer(status),
                  arm = as.integer(arm), stratum = as.integer(stratum))
  stopifnot(!anyNA(d), all(d$time >= 0))
  write.csv(d, paste0(name, ".csv"), row.names = FALSE, quote = FALSE)
}

# German Breast Cancer Study Group: recurrence-free survival (days); arm hormon
# (0 no, 1 tamoxifen); stratum tumour grade 1, 2, 3.
write_set("gbsg", gbsg$rfstime, gbsg$status, gbsg$hormon, gbsg$grade - 1)

# Veterans' Administration lung cancer trial (days); arm trt (standard, test);
# stratum celltype (squamous, smallcell, adeno, large).
write_set("veteran", veteran$time, veteran$status, veteran$trt - 1,
          as.integer(veteran$celltype) - 1)

# Colon cancer adjuvant trial, death records (days); three arms rx (Obs, Lev,
# Lev+5FU); stratum node4 (0, 1).
cd <- colon[colon$etype == 2, ]
write_set("colon", cd$time, cd$status, as.integer(cd$rx) - 1, cd$node4)

# Mayo primary biliary cholangitis, randomized patients (days); event death,
# competing liver transplant; arm trt (D-penicillamine, placebo); stratum sex (m, f).
pb <- pbc[!is.na(pbc$trt), ]
write_set("pbc", pb$time, ifelse(pb$status == 2, 1, ifelse(pb$status == 1, 2, 0)),
          pb$trt - 1, as.integer(pb$sex == "f"))

# MGUS progression (months): event plasma-cell malignancy, competing death; arm sex
# (F, M); stratum age 70 or more (0 no, 1 yes).
mg <- mgus2
etime <- ifelse(mg$pstat == 1, mg$ptime, mg$futime)
estat <- ifelse(mg$pstat == 1, 1, 2 * mg$death)
write_set("mgus2", etime, estat, as.integer(mg$sex) - 1, as.integer(mg$age >= 70))

# NCCTG advanced lung cancer (days); arm sex (male, female); one stratum.
write_set("lung", lung$time, lung$status - 1, lung$sex - 1, 0)

# Acute myelogenous leukaemia maintenance (weeks); arm x (Maintained, Nonmaintained).
write_set("aml", aml$time, aml$status, as.integer(aml$x) - 1, 0)

# Edge cases, small and made by hand.
write_set("edge-allcensored", c(3, 5, 5, 9), c(0, 0, 0, 0), c(0, 1, 0, 1), 0)
write_set("edge-onepatient", 7, 1, 0, 0)
write_set("edge-onetime", c(4, 4, 4, 4, 4, 4), c(1, 1, 1, 1, 1, 1), c(0, 0, 0, 1, 1, 1), 0)
write_set("edge-day0", c(0, 0, 0, 2, 3, 3, 6, 8, 10, 10), c(1, 1, 0, 1, 1, 0, 1, 0, 1, 0),
          c(0, 1, 0, 1, 0, 1, 0, 1, 0, 1), 0)
write_set("edge-neverhalf", c(2, 4, 5, 6, 8, 9, 11, 12, 14, 15), c(1, 0, 0, 1, 0, 0, 0, 1, 0, 0),
          c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1), 0)
# Exactly flat at 0.5: four patients, two events then censoring.
write_set("edge-flathalf", c(1, 2, 3, 5, 6, 7, 8, 9), c(1, 1, 0, 0, 1, 1, 0, 0),
          c(0, 0, 0, 0, 1, 1, 1, 1), 0)
# Arm 1 of three has nobody (indices 0 and 2 only).
write_set("edge-emptyarm", c(2, 3, 3, 5, 7, 8, 10, 12), c(1, 0, 1, 1, 0, 1, 1, 0),
          c(0, 0, 0, 0, 2, 2, 2, 2), 0)
# Competing events tied with events of interest, and with censoring.
write_set("edge-cmptie", c(2, 2, 2, 4, 4, 5, 5, 5, 7, 9, 9, 11),
          c(1, 2, 0, 2, 1, 1, 2, 0, 2, 1, 0, 2),
          c(0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1), 0)
# Competing events only: cuminc() has no test for cause 1, which never occurs.
write_set("edge-nocause1", c(2, 3, 4, 6, 7, 9), c(2, 0, 2, 2, 0, 2), c(0, 0, 1, 1, 0, 1), 0)

# Colon cancer adjuvant trial, first event per patient (days): event recurrence,
# competing death without recurrence (a recurrence on the day of death counts as the
# recurrence); three arms rx (Obs, Lev, Lev+5FU); stratum node4 (0, 1).
cr <- colon[colon$etype == 1, ]
cx <- colon[colon$etype == 2, ]
stopifnot(identical(cr$id, cx$id))
write_set("colon-cr", ifelse(cr$status == 1, cr$time, cx$time),
          ifelse(cr$status == 1, 1, 2 * cx$status), as.integer(cr$rx) - 1, cr$node4)
# Competing risks with a stratum that one arm is absent from (stratum 1 has arm 0
# only), and an arm emptied by a day of tied deaths of both causes (stratum 0, arm 0,
# day 3) while the other arm goes on.
write_set("edge-cmpempty", c(2, 3, 3, 1, 3, 5, 6, 8, 8, 2, 4, 4, 7, 9),
          c(1, 2, 1, 0, 1, 2, 1, 0, 1, 1, 1, 2, 0, 1),
          c(0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
          c(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1))
# Two arms, the second with patients but no events (its Cox coefficient diverges).
write_set("edge-armnoevent", c(1, 2, 2, 4, 5, 6, 3, 4, 7, 8), c(1, 1, 1, 0, 1, 0, 0, 0, 0, 0),
          c(0, 0, 0, 0, 0, 0, 1, 1, 1, 1), 0)
# Each event's risk set holds only its own arm at the end: R's Cox fit runs out of iterations.
write_set("edge-separated", c(1, 2), c(1, 1), c(0, 1), 0)
# Simulated trials with many deaths tied at large risk sets (seeded, so the file is
# fixed): times in weeks, three arms, two strata; and in days, two arms, three strata.
set.seed(20240611)
sim_set <- function(name, n, arms, strata, unit, horizon) {
  arm <- sample(0:(arms - 1), n, replace = TRUE)
  stratum <- sample(0:(strata - 1), n, replace = TRUE)
  rate <- log(2) / (0.6 * horizon) * c(1, 0.8, 0.65)[arm + 1] * c(0.7, 1, 1.4)[stratum + 1]
  event <- rexp(n, rate)
  cens <- runif(n, 0.4 * horizon, horizon)
  write_set(name, floor(pmin(event, cens) / unit), as.integer(event <= cens), arm, stratum)
}
sim_set("sim-weeks", 6000, 3, 2, 7, 1100)
sim_set("sim-days", 12000, 2, 3, 1, 1100)
# One patient in arm 1, dying first with 200 others at risk: the first Newton step
# overflows exp(), and at the halved step arm 1 is nearly all of the risk set.
write_set("edge-lonely", c(1, 1:200), c(1, as.integer((1:200) %% 3 == 0)), c(1, rep(0, 200)), 0)
