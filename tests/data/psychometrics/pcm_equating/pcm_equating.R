# Reference numbers for tests/scoring/psychometrics/test_psy_pcm_linking.py and
# tests/scoring/cut_scores/test_equating_pcm.py: mean/mean equating of a cut score between two
# papers with partial-credit (written) items under Masters' partial credit model, by eRm.
#
# Run from this folder:  Rscript pcm_equating.R > pcm_equating_eRm.json
# It simulates (fixed seed) and writes old.csv and new.csv, then calibrates each with eRm's PCM()
# (conditional maximum likelihood) and reads the thresholds with thresholds().
#
# Scale: eRm's thresholds are re-centred so that all thresholds of a paper together sum to zero
# (the engine's normalisation; the PCM is unchanged by one shift of every threshold). An item's
# location is the mean of its thresholds (eRm's "Location"). Mean/mean link: shift = mean of the
# anchors' old locations − mean of their new locations (Kolen & Brennan 2014, ch. 6; the Rasch
# family has a unit slope). The cut is carried through the test characteristic curve
# E(theta) = sum_i sum_k k P_ik(theta): theta solves E_old(theta) = cut, the equated cut is
# E_new(theta) with the new thresholds shifted onto the old scale.
suppressPackageStartupMessages(library(eRm))

set.seed(20261206)
simulate_pcm <- function(theta, tau) {
  sapply(tau, function(t) {
    psi <- cbind(0, -t(apply(matrix(t, nrow = 1), 1, cumsum)))  # 1 x (m + 1)
    z <- outer(theta, 0:length(t)) + matrix(psi, length(theta), length(t) + 1, byrow = TRUE)
    p <- exp(z - apply(z, 1, max)); p <- p / rowSums(p)
    apply(p, 1, function(row) sample(0:length(t), 1, prob = row))
  })
}
# Item thresholds (logits); 0/1 items have one threshold. I1-I6 are on both papers (anchors).
tau <- list(I1 = -1.2, I2 = c(-1.0, 0.2), I3 = 0.1, I4 = c(-0.6, 0.3, 1.1), I5 = c(-0.4, 0.6),
            I6 = 0.7, I7 = c(-0.9, 0.4), I8 = -0.3, I9 = c(-0.2, 0.5, 1.4), I10 = 1.0,
            I21 = -0.5, I22 = c(-0.7, 0.9), I23 = c(-0.3, 0.2, 1.2), I24 = 0.4)
old_items <- c("I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10")
new_items <- c("I1", "I2", "I3", "I4", "I5", "I6", "I21", "I22", "I23", "I24")
tau_new <- tau
tau_new$I5 <- tau$I5 + 0.7   # one anchor made harder on the new paper: it should show as moved
old <- simulate_pcm(rnorm(500, 0, 1.1), tau[old_items])
new <- simulate_pcm(rnorm(500, 0.3, 1.1), tau_new[new_items])
colnames(old) <- old_items; colnames(new) <- new_items
write.csv(old, "old.csv", row.names = FALSE, quote = FALSE)
write.csv(new, "new.csv", row.names = FALSE, quote = FALSE)

cut <- 9.4
calibrate <- function(x) {
  x <- as.matrix(x)
  m <- apply(x, 2, max)
  # every category of every item reached by a candidate with a non-extreme score (else eRm and
  # the engine would treat the empty category differently)
  r <- rowSums(x); keep <- r > 0 & r < sum(m)
  for (j in seq_len(ncol(x))) stopifnot(all(tabulate(x[keep, j] + 1, m[j] + 1) > 0))
  e <- PCM(x, sum0 = TRUE)
  tp <- thresholds(e)$threshpar   # eRm's item-category order: item 1's thresholds, item 2's, ...
  tp <- unname(tp) - mean(tp)     # all thresholds sum to 0
  item <- rep(colnames(x), m)
  list(thresholds = split(tp, factor(item, levels = colnames(x))), m = m)
}
o <- calibrate(old); n <- calibrate(new)
loc <- function(cal) sapply(cal$thresholds, mean)
loc_old <- loc(o); loc_new <- loc(n)
common <- intersect(new_items, old_items)
shift <- mean(loc_old[common]) - mean(loc_new[common])
tcc <- function(theta, thr) sum(sapply(thr, function(t) {
  z <- (0:length(t)) * theta - c(0, cumsum(t)); p <- exp(z - max(z)); sum((0:length(t)) * p) / sum(p)
}))
theta <- uniroot(function(t) tcc(t, o$thresholds) - cut, c(-10, 10), tol = 1e-13)$root
linked <- lapply(n$thresholds, function(t) t + shift)
equated <- tcc(theta, linked)

num <- function(v) sprintf("%.10f", v)
obj <- function(v) paste0("{", paste0('"', names(v), '": ', num(v), collapse = ", "), "}")
lst <- function(l) paste0("{", paste0('"', names(l), '": [', sapply(l, function(t) paste(num(t), collapse = ", ")), "]",
                                     collapse = ", "), "}")
cat("{\n")
cat(sprintf('  "source": "R %s, eRm %s: PCM(sum0 = TRUE), thresholds(); simulated with set.seed(20261206); see pcm_equating.R",\n',
            getRversion(), packageVersion("eRm")))
cat(sprintf('  "cut": %s,\n', num(cut)))
cat(sprintf('  "old_max_marks": {%s},\n', paste0('"', old_items, '": ', o$m, collapse = ", ")))
cat(sprintf('  "new_max_marks": {%s},\n', paste0('"', new_items, '": ', n$m, collapse = ", ")))
cat(sprintf('  "old_thresholds": %s,\n', lst(o$thresholds)))
cat(sprintf('  "new_thresholds": %s,\n', lst(n$thresholds)))
cat(sprintf('  "old_location": %s,\n', obj(loc_old)))
cat(sprintf('  "new_location": %s,\n', obj(loc_new)))
cat(sprintf('  "shift": %s,\n', num(shift)))
cat(sprintf('  "displacement": %s,\n', obj(loc_new[common] + shift - loc_old[common])))
cat(sprintf('  "theta": %s,\n', num(theta)))
cat(sprintf('  "old_tcc_at_theta": %s,\n', num(tcc(theta, o$thresholds))))
cat(sprintf('  "equated_cut": %s\n', num(equated)))
cat("}\n")
