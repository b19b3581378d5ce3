# Reference numbers for tests/scoring/cut_scores/test_equating.py: mean/mean Rasch equating of a cut
# score from old.csv to new.csv (anchors: the items whose labels both files share), by eRm.
# Run from this folder:  Rscript equating.R > equating_eRm.json
# R 4.2, eRm (conditional maximum likelihood, RM with sum-zero normalisation; eRm reports easiness
# beta = -difficulty). The cut is carried through theta on the old paper's test characteristic curve.
suppressPackageStartupMessages(library(eRm))
old <- read.csv("old.csv", check.names = FALSE)
new <- read.csv("new.csv", check.names = FALSE)
cut <- 5.3
d_old <- -coef(RM(old, sum0 = TRUE, se = FALSE))
d_new <- -coef(RM(new, sum0 = TRUE, se = FALSE))
names(d_old) <- colnames(old)
names(d_new) <- colnames(new)
common <- intersect(colnames(new), colnames(old))
shift <- mean(d_old[common]) - mean(d_new[common])
linked <- d_new + shift
tcc <- function(theta, d) sum(plogis(theta - d))
theta <- uniroot(function(t) tcc(t, d_old) - cut, c(-10, 10), tol = 1e-12)$root
equated <- tcc(theta, linked)
fmt <- function(v) paste0("{", paste0('"', names(v), '": ', sprintf("%.10f", v), collapse = ", "), "}")
cat("{\n")
cat(sprintf('  "source": "R %s, eRm %s: RM(sum0 = TRUE); see equating.R",\n', getRversion(), packageVersion("eRm")))
cat(sprintf('  "cut": %.10f,\n', cut))
cat(sprintf('  "old_difficulty": %s,\n', fmt(d_old)))
cat(sprintf('  "new_difficulty": %s,\n', fmt(d_new)))
cat(sprintf('  "shift": %.10f,\n', shift))
cat(sprintf('  "displacement": %s,\n', fmt(linked[common] - d_old[common])))
cat(sprintf('  "theta": %.10f,\n', theta))
cat(sprintf('  "equated_cut": %.10f\n', equated))
cat("}\n")
