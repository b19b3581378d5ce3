# Generate the expected values that tests/scoring/psychometrics pin the Python engine to.
#
# Run once, from the repository root (R is NOT needed to run the tests):
#   Rscript tools/reference/make_fixtures.R [DATA_DIR] [OUT_DIR]
# defaults: tests/data/psychometrics  tests/scoring/psychometrics/fixtures
#
# The fixtures committed with the tests were produced by
#   R 4.2.2 (Debian 12), psych 2.2.9, psychTools 2.2.9, eRm 1.0.2, psychotools 0.7.2,
#   psychometric 2.3, jsonlite (as packaged).
# Every JSON file records the versions that made it under "generated_by".
#
# Traps handled here, so that the tests compare like with like:
#  * psych::biserial divides the mean difference by the n - 1 SD; the engine reports the
#    population form, so the test multiplies psych's value by sqrt(n / (n - 1)).
#  * eRm reports easiness (beta); difficulty = -beta.  eRm's nlm stops ~1e-4 short of the exact
#    CML maximum, so we also compute that maximum here by our own Newton iterations on
#    psychotools' elementary symmetric functions (an implementation independent of the Python one).
#  * psychometric::discrim uses thirds and breaks ties by row order; the engine's 27 % groups share
#    boundary ties fractionally, recomputed below independently for the comparison.

args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) >= 1) args[1] else "tests/data/psychometrics"
out_dir <- if (length(args) >= 2) args[2] else "tests/scoring/psychometrics/fixtures"
# A third argument "iqitems" writes only the iqitems files (it needs jsonlite, psych and psychTools).
only <- if (length(args) >= 3) args[3] else "all"
stopifnot(only %in% c("all", "iqitems"))
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

pkgs <- if (only == "all") {
  c("psych", "psychTools", "eRm", "psychotools", "psychometric", "jsonlite")
} else {
  c("psych", "psychTools", "jsonlite")
}
suppressPackageStartupMessages(for (p in pkgs) library(p, character.only = TRUE))

versions <- c(list(R = R.version.string), sapply(pkgs, function(p) as.character(packageVersion(p)), simplify = FALSE))

# used: the packages a file depends on, if fewer than all (so that it reads the same whichever way
# the script was run)
save_json <- function(x, name, used = names(versions)) {
  x$generated_by <- versions[union("R", used)]
  write_json(x, file.path(out_dir, name), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")
  cat("wrote", name, "\n")
}

read_scored <- function(name) {
  d <- read.csv(file.path(data_dir, name), check.names = FALSE, colClasses = "character")
  x <- sapply(d[, -1, drop = FALSE], function(v) ifelse(v == "", NA, as.numeric(v)))
  rownames(x) <- d[[1]]
  x
}

# ---------------------------------------------------------------- classical test theory
ul_fractional <- function(x, fraction = 0.27) {
  tot <- rowSums(x)
  n <- length(tot)
  g <- max(1, floor(fraction * n + 0.5))
  w <- function(v) {
    b <- sort(v, decreasing = TRUE)[g]
    above <- v > b
    tied <- v == b
    out <- as.numeric(above)
    out[tied] <- (g - sum(above)) / sum(tied)
    out
  }
  (colSums(w(tot) * x) - colSums(w(-tot) * x)) / g
}

ctt_fixture <- function(x, name, choices = NULL, key = NULL) {
  n <- nrow(x); k <- ncol(x)
  a <- psych::alpha(as.data.frame(x), check.keys = FALSE, warnings = FALSE)
  tot <- rowSums(x)
  rest <- tot - x
  bis <- sapply(seq_len(k), function(j) psych::biserial(rest[, j], x[, j])[1, 1])
  ie <- psychometric::item.exam(x)
  m <- mean(tot); v <- var(tot)
  out <- list(
    dataset = name, n = n, k = k, items = colnames(x),
    facility = unname(colMeans(x)),
    alpha = a$total$raw_alpha,
    alpha_psychometric = psychometric::alpha(x),
    alpha_drop = unname(a$alpha.drop$raw_alpha),
    item_total_r = unname(a$item.stats$raw.r),
    item_rest_r = unname(a$item.stats$r.drop),
    item_total_r_psychometric = unname(ie$Item.total),
    item_rest_r_psychometric = unname(ie$Item.Tot.woi),
    biserial_psych = unname(bis),
    kr21 = (k / (k - 1)) * (1 - m * (k - m) / (k * v)),
    sem = psychometric::SE.Meas(sd(tot), a$total$raw_alpha),
    mean = m, sd = sd(tot), min = min(tot), max = max(tot),
    percentiles = unname(quantile(tot, c(0.10, 0.25, 0.50, 0.75, 0.90), type = 7)),
    ul27_fractional_ties = unname(ul_fractional(x))
  )
  if (!is.null(choices)) {
    opts <- lapply(seq_len(k), function(j) {
      ch <- toupper(trimws(choices[, j]))
      ch[is.na(ch)] <- ""
      legal <- strsplit(key$options[j], "|", fixed = TRUE)[[1]]
      list(
        item = colnames(x)[j],
        options = legal,
        proportion = sapply(legal, function(o) mean(ch == o), USE.NAMES = FALSE),
        pbis_rest = sapply(legal, function(o) {
          ind <- as.numeric(ch == o)
          if (sd(ind) == 0) NA else cor(ind, rest[, j])
        }, USE.NAMES = FALSE),
        omitted = mean(ch == "")
      )
    })
    out$options <- opts
  }
  out
}

for (set in if (only == "all") c("lsat6", "lsat7", "sat12", "cttdata")) {
  x <- read_scored(paste0(set, "_scored.csv"))
  choices <- NULL; key <- NULL
  if (set %in% c("sat12", "cttdata")) {
    d <- read.csv(file.path(data_dir, paste0(set, "_responses.csv")), check.names = FALSE, colClasses = "character")
    choices <- as.matrix(d[, -1])
    key <- read.csv(file.path(data_dir, paste0(set, "_key.csv")), colClasses = "character")
  }
  save_json(ctt_fixture(x, set, choices, key), paste0("ctt_", set, ".json"))
}

# psychTools::iqitems: 16 reasoning items with unanswered items (NA). The engine scores an
# omitted response 0 in every statistic (DOMAIN.md), so the reference is psych on the matrix with
# the gaps filled by 0, plus the 27 % index on it.
# iqitems_scored.csv (the keyed 0/1 scores, NA as an empty cell) and ctt_iqitems_omitted.json were
# generated by this section with R 4.2.2, psych 2.2.9, psychTools 2.2.9, jsonlite 1.8.4 (Debian 12);
# the whole script and this section alone write them byte for byte the same:
#   Rscript tools/reference/make_fixtures.R tests/data/psychometrics tests/scoring/psychometrics/fixtures iqitems
# test_iqitems_omitted_responses_score_zero_in_every_statistic pins the engine to it at 1e-10.
# Source: psychTools (GPL >= 2), 16 SAPA ability items, 1525 candidates (Revelle, Wilt & Rosenthal 2009).
iq_key <- c(4, 4, 4, 6, 6, 3, 4, 4, 5, 2, 2, 4, 3, 2, 6, 7)  # as in psych's score.multiple.choice example
iq <- as.matrix(psychTools::iqitems)
iq_scored <- t(t(iq) == iq_key) * 1
write.csv(data.frame(candidate_id = sprintf("R%04d", seq_len(nrow(iq_scored))), iq_scored, check.names = FALSE),
          file.path(out_dir, "iqitems_scored.csv"), row.names = FALSE, na = "")
iq_zero <- iq_scored
iq_zero[is.na(iq_zero)] <- 0
a <- psych::alpha(as.data.frame(iq_zero), check.keys = FALSE, warnings = FALSE)
save_json(list(
  dataset = "iqitems", n = nrow(iq_zero), k = ncol(iq_zero), items = colnames(iq_zero), key = iq_key,
  n_omitted = sum(is.na(iq_scored)),
  facility = unname(colMeans(iq_zero)),
  alpha = a$total$raw_alpha,
  alpha_drop = unname(a$alpha.drop$raw_alpha),
  item_total_r = unname(a$item.stats$raw.r),
  item_rest_r = unname(a$item.stats$r.drop),
  ul27_fractional_ties = unname(ul_fractional(iq_zero))
), "ctt_iqitems_omitted.json", used = c("psych", "psychTools", "jsonlite"))

if (only == "iqitems") quit(save = "no")

# A constant item: psych::alpha deletes it ("had no variance and was deleted") and reports alpha
# of the others. The test pins this with LSAT-6's own fixture; for the record:
#   psych::alpha(cbind(read_scored("lsat6_scored.csv"), Same = 1), warnings = TRUE)$total$raw_alpha
#   == psych::alpha(read_scored("lsat6_scored.csv"))$total$raw_alpha

# ---------------------------------------------------------------- Rasch
exact_cml <- function(x) {
  # Newton-Raphson on the conditional log-likelihood in the difficulties, with gradient and
  # Hessian from psychotools' elementary symmetric functions; complete data only.
  x <- x[rowSums(x) > 0 & rowSums(x) < ncol(x), , drop = FALSE]
  k <- ncol(x)
  s <- colSums(x)
  nr <- tabulate(rowSums(x), nbins = k)  # raw scores 1..k
  d <- -qlogis(s / nrow(x)); d <- d - d[1]
  for (it in 1:100) {
    e <- elementary_symmetric_functions(d, order = 2, log = TRUE)
    g0 <- e[[1]][-1]; g1 <- e[[2]][-1, , drop = FALSE]; g2 <- e[[3]][-1, , , drop = FALSE]
    grad <- -s + colSums(nr * g1 / g0)
    hess <- matrix(0, k, k)
    for (r in seq_len(k)) {
      hess <- hess - nr[r] * (g2[r, , ] / g0[r] - outer(g1[r, ], g1[r, ]) / g0[r]^2)
    }
    # the second derivative of gamma w.r.t. delta_i twice is +g1 (not the g2 diagonal)
    diag(hess) <- diag(hess) + sapply(seq_len(k), function(i) sum(nr * (g2[, i, i] - g1[, i]) / g0))
    step <- -solve(hess[-1, -1], grad[-1])
    d[-1] <- d[-1] + step
    if (max(abs(step)) < 1e-12) break
  }
  d - mean(d)
}

warm_equation <- function(theta, r, d) {
  p <- plogis(theta - d)
  i <- sum(p * (1 - p)); j <- sum(p * (1 - p) * (1 - 2 * p))
  r - sum(p) + j / (2 * i)
}

rasch_fixture <- function(x, name) {
  m <- RM(x)
  pp <- person.parameter(m)
  fit <- itemfit(pp)
  pm <- raschmodel(x, reltol = 1e-14, gradtol = 1e-14)
  ip <- itempar(pm)
  exact <- if (any(is.na(x))) NULL else exact_cml(x)
  k <- ncol(x)
  out <- list(
    dataset = name, n = nrow(x), k = k, items = colnames(x),
    erm_difficulty = unname(-m$betapar),
    erm_se = unname(m$se.beta),
    erm_iterations = m$iter,
    erm_outfit = unname(fit$i.outfitMSQ),
    erm_infit = unname(fit$i.infitMSQ),
    psychotools_difficulty = unname(coef(ip)),
    psychotools_se = unname(sqrt(diag(vcov(ip))))
  )
  if (!is.null(exact)) {
    out$exact_difficulty <- unname(exact)
    out$ml <- sapply(1:(k - 1), function(r) uniroot(function(t) r - sum(plogis(t - exact)), c(-30, 30), tol = 1e-14)$root)
    out$wle <- sapply(0:k, function(r) uniroot(warm_equation, c(-30, 30), r = r, d = exact, tol = 1e-14)$root)
    # eRm's ML person parameters by raw score (extremes excluded)
    rs <- rowSums(pp$X.ex, na.rm = TRUE)
    th <- pp$thetapar$NAgroup1
    erm_ml <- sapply(1:(k - 1), function(r) if (any(rs == r)) unname(th[which(rs == r)[1]]) else NA)
    out$erm_ml <- erm_ml
  }
  out
}

lsat6 <- read_scored("lsat6_scored.csv")
save_json(rasch_fixture(lsat6, "lsat6"), "rasch_lsat6.json")
save_json(rasch_fixture(read_scored("lsat7_scored.csv"), "lsat7"), "rasch_lsat7.json")
save_json(rasch_fixture(read_scored("sat12_scored.csv"), "sat12"), "rasch_sat12.json")
data(raschdat1, package = "eRm")
rd <- as.matrix(raschdat1)
write.csv(data.frame(candidate_id = sprintf("R%03d", seq_len(nrow(rd))), rd, check.names = FALSE),
          file.path(out_dir, "raschdat1.csv"), row.names = FALSE)
save_json(rasch_fixture(rd, "raschdat1"), "rasch_raschdat1.json")
# A booklet design: the first 50 candidates were not presented items 25-30, the last 50 not items 1-5.
rd_na <- rd
rd_na[1:50, 25:30] <- NA
rd_na[51:100, 1:5] <- NA
write.csv(data.frame(candidate_id = sprintf("R%03d", seq_len(nrow(rd_na))), rd_na, check.names = FALSE),
          file.path(out_dir, "raschdat1_booklets.csv"), row.names = FALSE, na = "")
save_json(rasch_fixture(rd_na, "raschdat1_booklets"), "rasch_raschdat1_booklets.json")

# ---------------------------------------------------------------- standard setting
# Angoff ratings: 8 judges x 12 items, reproducible; inter-judge agreement by psych::ICC
# (targets = items, raters = judges).
set.seed(20240611)
base <- seq(0.35, 0.85, length.out = 12)
ratings <- t(sapply(1:8, function(j) pmin(0.98, pmax(0.05, round(base + rnorm(1, 0, 0.05) + rnorm(12, 0, 0.06), 2)))))
long <- expand.grid(judge = 1:8, item = 1:12)
long$rating <- ratings[cbind(long$judge, long$item)]
write.csv(data.frame(judge = sprintf("J%d", long$judge), item = sprintf("Q%02d", long$item), rating = long$rating),
          file.path(out_dir, "angoff_ratings.csv"), row.names = FALSE)
icc <- psych::ICC(t(ratings), lmer = FALSE)$results
judge_cuts <- rowSums(ratings)
save_json(list(
  cut_score = sum(colMeans(ratings)),
  judge_cuts = unname(judge_cuts),
  se = sd(judge_cuts) / sqrt(length(judge_cuts)),
  icc2 = icc$ICC[icc$type == "ICC2"], icc2k = icc$ICC[icc$type == "ICC2k"],
  icc3 = icc$ICC[icc$type == "ICC3"], icc3k = icc$ICC[icc$type == "ICC3k"]
), "angoff.json")

# Borderline regression: global grades 1-5 (2 = borderline) and scores out of 40.
set.seed(7)
grade <- sample(1:5, 150, replace = TRUE, prob = c(0.1, 0.2, 0.35, 0.25, 0.1))
score <- pmin(40, pmax(0, round(8 + 5.5 * grade + rnorm(150, 0, 4))))
write.csv(data.frame(candidate = sprintf("C%03d", 1:150), score = score, grade = grade),
          file.path(out_dir, "borderline.csv"), row.names = FALSE)
fit <- lm(score ~ grade)
pred <- predict(fit, newdata = data.frame(grade = 2), se.fit = TRUE)
save_json(list(
  intercept = unname(coef(fit)[1]), slope = unname(coef(fit)[2]),
  cut_score = unname(pred$fit), r_squared = summary(fit)$r.squared,
  borderline_group_mean = mean(score[grade == 2]), borderline_group_median = median(score[grade == 2])
), "borderline.json")
