# Reference figures for borderline regression's cut and its standard error (the SE of the fitted
# mean score at the borderline grade), from R's lm() and predict(se.fit = TRUE).
# Run: Rscript tests/data/standard_setting/borderline_se.R > tests/data/standard_setting/borderline_se.json
scores <- c(12, 15, 14, 18, 21, 19, 22, 25, 24, 28, 30, 27, 33, 31, 35)
grades <- c(1, 1, 1, 2, 1, 2, 2, 2, 3, 2, 3, 3, 3, 3, 3)
fit <- lm(scores ~ grades)
p <- predict(fit, newdata = data.frame(grades = 2), se.fit = TRUE)
cat(sprintf('{"source": "R %s, stats::lm and stats::predict(se.fit = TRUE)", "scores": [%s], "grades": [%s], "cut": %.15g, "se": %.15g}\n',
            paste(R.version$major, R.version$minor, sep = "."), paste(scores, collapse = ", "),
            paste(grades, collapse = ", "), p$fit[[1]], p$se.fit[[1]]))
