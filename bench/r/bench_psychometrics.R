# Time one R implementation on a 0/1 matrix written by bench/bench_psychometrics.py.
# Usage: Rscript bench/r/bench_psychometrics.R FILE N K OPERATION REPEATS
# FILE holds N*K bytes (row-major, one 0/1 byte per cell). Prints the best wall time in seconds.
# OPERATION: alpha (psych::alpha), erm (eRm::RM), raschmodel (psychotools::raschmodel),
#            personpar (psychotools::personpar on a fitted raschmodel: ML for every raw score).
suppressPackageStartupMessages({
  library(psych); library(eRm); library(psychotools)
})
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); k <- as.integer(a[3]); op <- a[4]; reps <- as.integer(a[5])
con <- file(a[1], "rb")
x <- matrix(readBin(con, "integer", n = n * k, size = 1, signed = FALSE), nrow = n, ncol = k, byrow = TRUE)
close(con)
colnames(x) <- sprintf("i%03d", seq_len(k))
fitted <- if (op == "personpar") raschmodel(x) else NULL
run <- switch(op,
  alpha = function() psych::alpha(x, check.keys = FALSE, warnings = FALSE),
  erm = function() eRm::RM(x),
  raschmodel = function() psychotools::raschmodel(x),
  personpar = function() psychotools::personpar(fitted),
  stop("unknown operation ", op))
best <- Inf
for (i in seq_len(reps)) {
  t <- system.time(invisible(run()))[["elapsed"]]
  best <- min(best, t)
}
cat(sprintf("%.6f\n", best))
