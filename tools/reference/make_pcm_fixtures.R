# Reference figures for the partial-credit model (PCM) and Yen's Q3 that
# tests/scoring/psychometrics/test_psy_pcm.py and test_psy_q3.py pin the Python engine to.
#
# Run once, from the repository root (R is NOT needed to run the tests):
#   Rscript tools/reference/make_pcm_fixtures.R
# It writes
#   tests/data/psychometrics/verbal_aggression_scored.csv  (psychotools' VerbalAggression$resp)
#   tests/scoring/psychometrics/fixtures/pcm_simulated.csv (seeded simulated PCM matrix)
#   tests/scoring/psychometrics/fixtures/pcm_<name>.json   (eRm and psychotools figures)
#
# Normalisation (the trap): eRm makes its item-category parameters beta sum to zero;
# psychotools fixes the first threshold of the first item at 0; the engine makes all thresholds
# sum to zero. The three differ by a common shift of every threshold, so every threshold (and its
# covariance) is mapped here onto the engine's sum-zero threshold scale: tau_c = C tau with
# C = I - 11'/P, cov_c = C cov C'. eRm's covariance of beta is W solve(hessian) W'.
#
# Known difference: on the simulated matrix with cells not presented, eRm's PCM reaches a lower
# conditional log-likelihood than psychotools' pcmodel (and the engine, which match each other),
# so the tests pin that matrix to psychotools only; the complete matrix is pinned to both.

suppressPackageStartupMessages({
  library(eRm)
  library(psychotools)
})

data_dir <- "tests/data/psychometrics"
out_dir <- "tests/scoring/psychometrics/fixtures"

versions <- list(
  R = R.version.string,
  eRm = as.character(packageVersion("eRm")),
  psychotools = as.character(packageVersion("psychotools"))
)

# A small JSON writer (jsonlite is not installed here): numbers to 17 significant digits so the
# doubles survive the round trip, NA as null, a matrix as a list of rows, a length-1 vector as a
# scalar.
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  num <- function(v) ifelse(is.na(v), "null", sprintf("%.17g", v))
  if (is.list(x)) {
    body <- vapply(names(x), function(k) paste0(inner, '"', k, '": ', to_json(x[[k]], inner)), "")
    return(paste0("{\n", paste(body, collapse = ",\n"), "\n", indent, "}"))
  }
  if (is.matrix(x)) {
    rows <- apply(x, 1, function(r) paste0("[", paste(num(r), collapse = ", "), "]"))
    return(paste0("[\n", paste0(inner, rows, collapse = ",\n"), "\n", indent, "]"))
  }
  if (is.character(x)) {
    s <- paste0('"', gsub('"', '\\\\"', x), '"')
    return(if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]"))
  }
  s <- num(as.numeric(x))
  if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]")
}

save_json <- function(x, name) {
  x$generated_by <- versions
  writeLines(to_json(x), file.path(out_dir, name))
  cat("wrote", name, "\n")
}

write_matrix <- function(x, path) {
  d <- data.frame(candidate_id = sprintf("c%04d", seq_len(nrow(x))), x, check.names = FALSE)
  write.csv(d, path, row.names = FALSE, na = "", quote = FALSE)
  cat("wrote", path, "\n")
}

# ---------------------------------------------------------------- data
data(VerbalAggression, package = "psychotools")
va <- unclass(VerbalAggression$resp)
attr(va, "dimnames") <- list(NULL, colnames(VerbalAggression$resp))
write_matrix(va, file.path(data_dir, "verbal_aggression_scored.csv"))

# Simulated: 600 candidates, 8 items with maxima 1,1,2,2,3,3,4,2; about 8 % of cells not presented.
set.seed(20261205)
maxima <- c(1, 1, 2, 2, 3, 3, 4, 2)
true_tau <- list(0.5, -0.8, c(-1, 0.4), c(0.2, 1.1), c(-1.5, -0.2, 1.0), c(-0.6, 0.3, 0.9),
                 c(-1.8, -0.7, 0.5, 1.6), c(0.0, 0.7))
theta <- rnorm(600, 0, 1.2)
sim <- sapply(seq_along(maxima), function(i) {
  psi <- c(0, -cumsum(true_tau[[i]]))
  sapply(theta, function(t) {
    p <- exp(0:maxima[i] * t + psi)
    sample(0:maxima[i], 1, prob = p / sum(p))
  })
})
colnames(sim) <- sprintf("q%d", seq_along(maxima))
sim_complete <- sim
sim[matrix(runif(length(sim)) < 0.08, nrow(sim))] <- NA
write_matrix(sim, file.path(out_dir, "pcm_simulated.csv"))
write_matrix(sim_complete, file.path(out_dir, "pcm_simulated_complete.csv"))

# ---------------------------------------------------------------- helpers
# D: beta (= psi, cumulative category parameters) -> thresholds tau_ix = psi_i,x-1 - psi_ix
d_matrix <- function(m) {
  P <- sum(m); D <- matrix(0, P, P); o <- c(0, cumsum(m))
  for (i in seq_along(m)) for (h in seq_len(m[i])) {
    p <- o[i] + h; D[p, p] <- -1; if (h > 1) D[p, p - 1] <- 1
  }
  D
}
centre <- function(P) diag(P) - matrix(1 / P, P, P)
split_items <- function(v, m) { o <- c(0, cumsum(m)); lapply(seq_along(m), function(i) v[(o[i] + 1):o[i + 1]]) }

moments <- function(t, tau) {  # E, Var, mu3, kappa4 of the raw score at ability t
  e <- v <- k3 <- k4 <- 0
  for (th in tau) {
    cats <- 0:length(th); z <- cats * t + c(0, -cumsum(th)); p <- exp(z - max(z)); p <- p / sum(p)
    mu <- sum(p * cats); d <- cats - mu
    m2 <- sum(p * d^2); m3 <- sum(p * d^3); m4 <- sum(p * d^4)
    e <- e + mu; v <- v + m2; k3 <- k3 + m3; k4 <- k4 + m4 - 3 * m2^2
  }
  c(e, v, k3, k4)
}
wle_table <- function(tau) {  # Warm's WLE for every raw score, by uniroot
  top <- sum(lengths(tau))
  sapply(0:top, function(r) uniroot(function(t) { mo <- moments(t, tau); r - mo[1] + mo[3] / (2 * mo[2]) },
                                    c(-30, 30), tol = 1e-13)$root)
}
ml_table <- function(tau) {
  top <- sum(lengths(tau))
  sapply(1:(top - 1), function(r) uniroot(function(t) r - moments(t, tau)[1], c(-30, 30), tol = 1e-13)$root)
}
q3_from <- function(x, tau, theta) {  # Yen's Q3: correlations of raw residuals x - E(x | theta)
  keep <- is.finite(theta)
  E <- sapply(tau, function(th) sapply(theta[keep], function(t) {
    cats <- 0:length(th); z <- cats * t + c(0, -cumsum(th)); p <- exp(z - max(z)); sum(cats * p) / sum(p)
  }))
  res <- x[keep, , drop = FALSE] - E
  q <- cor(res, use = "pairwise.complete.obs")
  unname(q)
}

# ---------------------------------------------------------------- fits
fit_set <- function(x, name) {
  x <- as.matrix(x)
  m <- apply(x, 2, max, na.rm = TRUE)
  P <- sum(m); C <- centre(P); D <- d_matrix(m)
  # eRm
  e <- PCM(x, sum0 = TRUE)
  V_eta <- solve(e$hessian)
  sgn <- if (max(abs(e$W %*% e$etapar - e$betapar)) < 1e-8) 1 else -1
  stopifnot(max(abs(sgn * e$W %*% e$etapar - e$betapar)) < 1e-8)
  cov_beta <- e$W %*% V_eta %*% t(e$W)
  tau_e <- as.vector(C %*% D %*% e$betapar)
  cov_e <- C %*% D %*% cov_beta %*% t(D) %*% t(C)
  # psychotools: coef() are cumulative category parameters delta_ix = tau_i1 + ... + tau_ix
  # (= -beta), the first fixed at 0; map them to thresholds with D and re-centre. (threshpar()
  # was not used: on the simulated matrix, whose first items are 0/1 and which has missing
  # cells, it returned one threshold inconsistent with coef(), whose log-likelihood we match.)
  p <- pcmodel(x)
  delta <- c(0, unname(coef(p)))
  Vp <- matrix(0, P, P); Vp[-1, -1] <- vcov(p)
  tau_p_c <- as.vector(C %*% D %*% (-delta))
  cov_p <- C %*% D %*% Vp %*% t(D) %*% t(C)
  # persons (eRm ML) and fit
  pp <- person.parameter(e)
  fit <- itemfit(pp)
  theta_erm <- rep(NA_real_, nrow(x))
  th <- coef(pp)  # ML for every candidate eRm estimated (interpolated for extremes)
  raw <- rowSums(x, na.rm = TRUE); top <- rowSums((!is.na(x)) * matrix(m, nrow(x), ncol(x), byrow = TRUE))
  idx <- as.integer(sub("^P", "", names(th)))
  theta_erm[idx] <- th
  theta_erm[raw == 0 | raw == top] <- NA   # extremes carry no finite ML
  tau_own <- unname(as.vector(thresholds(e)$threshpar))  # on eRm's scale, like its thetas
  tau_list_e <- split_items(tau_e, m)
  tau_list_p <- split_items(tau_p_c, m)
  out <- list(
    items = colnames(x), max_scores = unname(m), n = nrow(x),
    erm_thresholds = tau_e, erm_se = sqrt(diag(cov_e)),
    erm_thresholds_own = tau_own,
    erm_loglik = e$loglik,
    psychotools_thresholds = tau_p_c, psychotools_se = sqrt(diag(cov_p)),
    psychotools_loglik = as.numeric(logLik(p)),
    erm_location = unname(sapply(tau_list_e, mean)),
    erm_outfit = unname(fit$i.outfitMSQ), erm_infit = unname(fit$i.infitMSQ),
    # eRm's ML abilities are on eRm's scale: subtract mean(erm_thresholds_own) to compare
    erm_theta = theta_erm,
    q3_erm = q3_from(x, split_items(tau_own, m), theta_erm)
  )
  if (!anyNA(x)) {
    out$ml <- ml_table(tau_list_p)
    out$wle <- wle_table(tau_list_p)
  }
  save_json(out, paste0("pcm_", name, ".json"))
}

fit_set(va, "verbal_aggression")
fit_set(sim, "simulated")
fit_set(sim_complete, "simulated_complete")

# Dichotomous Q3 on raschdat1 from eRm's RM (the Rasch case of the same residuals).
r1 <- as.matrix(read.csv(file.path(out_dir, "raschdat1.csv"), check.names = FALSE)[, -1])
rm1 <- RM(r1)
pp1 <- person.parameter(rm1)
th1 <- rep(NA_real_, nrow(r1)); th1[as.integer(sub("^P", "", names(coef(pp1))))] <- coef(pp1)
raw1 <- rowSums(r1); th1[raw1 == 0 | raw1 == ncol(r1)] <- NA
d1 <- -unname(rm1$betapar)
save_json(list(difficulty = d1, erm_theta = th1, q3_erm = q3_from(r1, as.list(d1), th1)), "q3_raschdat1.json")
