# Expected values for the DIF (Mantel–Haenszel) and testlet-reliability tests.
#
# Run once, from the repository root (R is NOT needed to run the tests):
#   Rscript tools/reference/make_dif_fixtures.R [DATA_DIR] [OUT_DIR]
# defaults: tests/data/psychometrics  tests/scoring/psychometrics/fixtures
#
# Produced with R 4.2.2 (Debian 12), psych 2.2.9, psychotools 0.7.2, coin 1.4.2 (Debian's r-cran-coin,
# for Mantel's polytomous test: apt-get install r-cran-coin). jsonlite is not installed
# here, so the JSON is written by hand below (17 significant digits, enough to round-trip a double).
#
# Data:
#  * psychotools' VerbalAggression (De Boeck & Wilson 2004): 316 respondents, 24 items in 4
#    situations (S1..S4, 6 items each: our testlets), responses 0/1/2 ("resp"), the 0/1 version
#    "resp2" = resp > 0, and a real group, gender. Written out as verbal_aggression.csv so the
#    tests need no R.
#  * sat12 (tests/data/psychometrics/sat12_scored.csv) with a group split drawn here with
#    set.seed(20261205); the split is stored in the JSON (the tests do not reproduce R's RNG).
#
# DIF orientation: x[1, , ] is the reference group, x[2, , ] the focal group; x[, 1, ] correct,
# x[, 2, ] incorrect; strata are the distinct matching scores with at least 2 candidates
# (mantelhaen.test refuses smaller strata; they contribute nothing to any sum anyway).

suppressPackageStartupMessages({
  library(psych)
  library(psychotools)
  library(coin)
})

args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) >= 1) args[1] else "tests/data/psychometrics"
out_dir <- if (length(args) >= 2) args[2] else "tests/scoring/psychometrics/fixtures"

versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                 psychotools = as.character(packageVersion("psychotools")),
                 coin = as.character(packageVersion("coin")))

num <- function(v) ifelse(is.na(v), "null", ifelse(is.infinite(v), "null", sprintf("%.17g", v)))
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      parts <- mapply(function(k, v) paste0(inner, '"', k, '": ', to_json(v, inner)), names(x), x)
      return(paste0("{\n", paste(parts, collapse = ",\n"), "\n", indent, "}"))
    }
    parts <- sapply(x, function(v) paste0(inner, to_json(v, inner)))
    return(paste0("[\n", paste(parts, collapse = ",\n"), "\n", indent, "]"))
  }
  if (is.character(x) || is.factor(x)) {
    s <- paste0('"', as.character(x), '"')
  } else if (is.logical(x)) {
    s <- ifelse(x, "true", "false")
  } else {
    s <- num(as.numeric(x))
  }
  if (length(x) == 1 && is.null(attr(x, "as_array"))) s else paste0("[", paste(s, collapse = ", "), "]")
}
arr <- function(v) { attr(v, "as_array") <- TRUE; v }
save_json <- function(x, name) {
  x$generated_by <- versions
  writeLines(to_json(x), file.path(out_dir, name))
  cat("wrote", name, "\n")
}

mh_table <- function(y, is_ref, matching) {
  lev <- sort(unique(matching))
  x <- array(0, dim = c(2, 2, length(lev)))
  for (k in seq_along(lev)) {
    s <- matching == lev[k]
    x[1, 1, k] <- sum(s & is_ref & y == 1); x[1, 2, k] <- sum(s & is_ref & y == 0)
    x[2, 1, k] <- sum(s & !is_ref & y == 1); x[2, 2, k] <- sum(s & !is_ref & y == 0)
  }
  x[, , apply(x, 3, sum) >= 2, drop = FALSE]
}

mh_item <- function(y, is_ref, matching) {
  x <- mh_table(y, is_ref, matching)
  a <- mantelhaen.test(x, correct = TRUE)
  u <- mantelhaen.test(x, correct = FALSE)
  list(alpha_mh = unname(a$estimate), chi_square = unname(a$statistic), p_value = a$p.value,
       chi_square_uncorrected = unname(u$statistic), p_value_uncorrected = u$p.value,
       conf_int = arr(as.numeric(a$conf.int)), n_strata = dim(x)[3])
}

mh_all <- function(x, is_ref, include_studied = TRUE) {
  tot <- rowSums(x)
  lapply(seq_len(ncol(x)), function(j) {
    m <- if (include_studied) tot else tot - x[, j]
    mh_item(x[, j], is_ref, m)
  })
}

# ---------------------------------------------------------------- VerbalAggression (real groups)
data("VerbalAggression", package = "psychotools")
va <- VerbalAggression
resp <- va$resp
stopifnot(all(va$resp2 == (resp > 0)))
csv <- data.frame(candidate = sprintf("V%03d", seq_len(nrow(resp))), gender = as.character(va$gender), resp,
                  check.names = FALSE)
write.csv(csv, file.path(out_dir, "verbal_aggression.csv"), row.names = FALSE, quote = FALSE)
cat("wrote verbal_aggression.csv\n")

x2 <- va$resp2
is_ref <- va$gender == "female"   # reference: female (243); focal: male (73)
save_json(list(
  data = "psychotools::VerbalAggression resp2 (0/1), groups by gender",
  reference = "female", focal = "male", items = arr(colnames(x2)),
  including_studied = mh_all(x2, is_ref, TRUE),
  excluding_studied = mh_all(x2, is_ref, FALSE)
), "dif_verbal_aggression.json")

# ---------------------------------------------------------------- sat12 with a seeded split
d <- read.csv(file.path(data_dir, "sat12_scored.csv"), check.names = FALSE)
xs <- as.matrix(d[, -1]); xs[is.na(xs)] <- 0
set.seed(20261205)
g <- ifelse(runif(nrow(xs)) < 0.3, "F", "R")
save_json(list(
  data = "sat12_scored.csv (omitted = 0), group split by set.seed(20261205); runif < 0.3 -> F",
  reference = "R", focal = "F", group = arr(g), items = arr(colnames(xs)),
  including_studied = mh_all(xs, g == "R", TRUE)
), "dif_sat12.json")

# ---------------------------------------------------------------- testlets (situations)
testlet_of <- substr(colnames(resp), 1, 2)
testlet_scores <- function(x) sapply(unique(testlet_of), function(t) rowSums(x[, testlet_of == t, drop = FALSE]))
tl <- function(x) {
  ts <- testlet_scores(x)
  at <- psych::alpha(as.data.frame(ts), check.keys = FALSE, warnings = FALSE)
  ai <- psych::alpha(as.data.frame(x), check.keys = FALSE, warnings = FALSE)
  list(testlets = arr(unique(testlet_of)), testlet_alpha = at$total$raw_alpha,
       testlet_alpha_drop = arr(at$alpha.drop$raw_alpha), item_alpha = ai$total$raw_alpha,
       testlet_mean = arr(colMeans(ts)), testlet_sd = arr(apply(ts, 2, sd)),
       first_scores = lapply(1:5, function(i) arr(as.numeric(ts[i, ]))))
}
save_json(list(data = "psychotools::VerbalAggression; testlet = situation (first two characters of the item name)",
               polytomous = tl(resp), dichotomous = tl(x2)), "testlets_verbal_aggression.json")

# ---------------------------------------------------------------- polytomous DIF (Mantel 1963, SMD)
# Mantel's test is coded here from the formulas of Zwick, Donoghue & Grima (1993), independently of
# the Python code, checked against mantelhaen.test(correct = FALSE) on the 0/1 version (where the
# two coincide), and computed a second time by coin::independence_test (a stratified linear
# statistic with the permutation variance, quadratic form = Mantel's chi-square). coin refuses
# blocks of one candidate, so those are dropped first (they contribute nothing).
mantel_poly <- function(y, is_ref, matching) {
  num <- 0; e <- 0; v <- 0; smd_num <- 0; nf_both <- 0
  for (lev in sort(unique(matching))) {
    s <- matching == lev
    n <- sum(s); nf <- sum(s & !is_ref); nr <- n - nf
    if (n >= 2) {
      num <- num + sum(y[s & !is_ref])
      e <- e + nf * sum(y[s]) / n
      v <- v + nr * nf * (n * sum(y[s]^2) - sum(y[s])^2) / (n^2 * (n - 1))
    }
    if (nf > 0 && nr > 0) {
      smd_num <- smd_num + nf * (mean(y[s & !is_ref]) - mean(y[s & is_ref]))
      nf_both <- nf_both + nf
    }
  }
  chi <- (num - e)^2 / v
  list(chi_square = chi, p_value = pchisq(chi, 1, lower.tail = FALSE), smd = smd_num / nf_both, item_sd = sd(y))
}
tot <- rowSums(resp)
big <- tot %in% as.numeric(names(which(table(tot) >= 2)))
poly <- lapply(seq_len(ncol(resp)), function(j) {
  out <- mantel_poly(resp[, j], is_ref, tot)
  d <- data.frame(y = resp[big, j], g = factor(ifelse(is_ref[big], "R", "F")), s = factor(tot[big]))
  it <- coin::independence_test(y ~ g | s, data = d, teststat = "quadratic")
  out$chi_square_coin <- unname(statistic(it))
  out$p_value_coin <- as.numeric(pvalue(it))
  out
})
tot2 <- rowSums(x2)
check <- sapply(seq_len(ncol(x2)), function(j) {
  abs(mantel_poly(x2[, j], is_ref, tot2)$chi_square -
      unname(mantelhaen.test(mh_table(x2[, j], is_ref, tot2), correct = FALSE)$statistic))
})
stopifnot(max(check) < 1e-10)
save_json(list(data = "psychotools::VerbalAggression resp (0/1/2), groups by gender, matched on the total of resp",
               reference = "female", focal = "male", items = arr(colnames(resp)), items_dif = poly,
               binary_check_max_gap = max(check)), "dif_polytomous_verbal_aggression.json")
