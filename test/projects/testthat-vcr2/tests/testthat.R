library(testthat)
library(standinclient)
test_check("standinclient")
