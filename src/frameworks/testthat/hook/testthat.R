# rerecord's record hook for testthat + vcr, one fresh process per test file:
#
#   Rscript --vanilla testthat.R /abs/path/tests/testthat/test-x.R
#
# cwd: the project root (the package root when there is a DESCRIPTION).
# env: see rerecord_hook.R (RERECORD_JOURNAL and an existing RERECORD_BACKUP_DIR are required
#      unless RERECORD_MODE is "replay"); R_LIBS (optional) a library holding another vcr.
# Exit status: 0 when every test passed (skips are fine), 1 otherwise, 2 on bad usage.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) {
  message("usage: Rscript testthat.R <test file>")
  quit(status = 2L)
}
test_path <- normalizePath(args[[1L]], mustWork = TRUE)

# The rest happens inside one function, which first removes every global name: the tests' global
# environment is empty, as it is in a child of the warm worker (worker.R), which shares
# rerecord_hook.R with this file. Called by name, it keeps R's traceback (a segfault prints one)
# short.
.rerecord_hook <- function(test_path) {
  force(test_path)  # a promise on the global about to go
  rm(list = c(".rerecord_hook", "args", "test_path"), envir = globalenv())
  script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[[1L]])
  hook <- new.env()
  sys.source(file.path(dirname(normalizePath(script)), "rerecord_hook.R"), envir = hook)
  # Before vcr loads: vcr reads VCR_TURN_OFF and its kin when it loads.
  if (!hook$configure()) {
    message("RERECORD_JOURNAL and an existing RERECORD_BACKUP_DIR are required")
    quit(status = 2L)
  }
  suppressPackageStartupMessages({
    library(testthat)
    # vcr 1: webmockr hands real requests to vcr only when package:vcr is
    # attached; without it vcr records nothing and deletes the "empty" cassette.
    library(vcr)
  })
  hook$install_trace()
  quit(status = hook$run_test_file(test_path, load_package = "source"))
}
.rerecord_hook(test_path)
