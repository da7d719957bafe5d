# rerecord's warm worker for testthat + vcr (src/frameworks/WORKERS.md):
#
#   Rscript --vanilla worker.R        (cwd: the project root; fd 3: messages to rerecord)
#
# Loads testthat, vcr, the record hook (rerecord_hook.R), the package under test (as
# testthat::test_file(load_package = "source") would) and the packages the helper files load,
# once. Then, per request read from stdin, forks a child (parallel's mcfork) that takes the
# file's environment and working directory, re-reads the hook's settings and runs the file with
# the package already loaded: the child starts from a state that never ran a test. R cannot
# setsid: the child shares the worker's session, and rerecord kills it by pid and descendants.
#
# Everything lives inside local(): a child's tests see the global environment a fresh Rscript
# has, and none of the worker's names can shadow a function of an attached package.

local({
  script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[[1L]])
  hook <- new.env()
  sys.source(file.path(dirname(normalizePath(script)), "rerecord_hook.R"), envir = hook)

  # fd 3 is a socket when Node made it (stdio 'pipe'), and R can open /dev/fd/3 only on a file or a
  # pipe: a `cat` that inherited fd 3 carries the messages there.
  messages <- pipe("exec cat >&3", open = "w")
  send <- function(message) {
    writeLines(jsonlite::toJSON(message, auto_unbox = TRUE), messages)
    flush(messages)
  }

  unavailable <- function(why) {
    send(list(unavailable = why))
    quit(status = 0L)
  }

  version_of <- function(package) paste(package, as.character(utils::packageVersion(package)))

  # The packages helper and setup files load with library(), require() or requireNamespace(): loaded
  # once here, only attached (cheap) in each child. One that does not load is left to the test,
  # which reports it in testthat's own words.
  helper_packages <- function(test_dir) {
    files <- list.files(test_dir, pattern = "^(helper|setup).*\\.[rR]$", full.names = TRUE)
    code <- unlist(lapply(files, function(file) tryCatch(readLines(file, warn = FALSE), error = function(e) character())))
    calls <- regmatches(code, gregexpr("(library|require|requireNamespace)\\(\\s*[\"']?[A-Za-z][A-Za-z0-9.]*", code))
    unique(sub("^.*\\(\\s*[\"']?", "", unlist(calls)))
  }

  load_everything <- function() {
    loaded <- character()
    step <- function(what, expr) {
      tryCatch(expr, error = function(e) unavailable(paste0(what, ": ", conditionMessage(e))))
    }
    step("testthat and vcr did not load", suppressPackageStartupMessages({
      library(testthat)
      # vcr 1: webmockr hands real requests to vcr only when package:vcr is attached.
      library(vcr)
    }))
    loaded <- c(version_of("testthat"), version_of("vcr"))
    hook$configure()
    step("the record hook could not trace vcr::insert_cassette", hook$install_trace())
    test_dir <- file.path("tests", "testthat")
    package <- hook$package_name()
    if (!is.null(package)) {
      # What testthat's test_files_setup_env does for load_package = "source".
      step(paste0("the package ", package, " did not load with pkgload::load_all()"), {
        args <- testthat:::find_load_all_args(test_dir)
        suppressMessages(pkgload::load_all(test_dir, export_all = args[["export_all"]], helpers = args[["helpers"]], quiet = TRUE))
      })
      loaded <- c(loaded, paste(package, "(load_all)"))
    }
    for (name in unique(c(helper_packages(test_dir), "httr2", "httr", "crul", "webmockr"))) {
      if (name %in% loadedNamespaces()) next
      if (isTRUE(tryCatch(suppressPackageStartupMessages(requireNamespace(name, quietly = TRUE)), error = function(e) FALSE))) loaded <- c(loaded, version_of(name))
    }
    loaded
  }

  # In the child: the file's environment and working directory, fresh hook settings, the file.
  run_child <- function(request) {
    setwd(request$cwd)
    env <- unlist(request$env)
    stale <- setdiff(names(Sys.getenv()), names(env))
    if (length(stale) > 0L) Sys.unsetenv(stale)
    if (length(env) > 0L) do.call(Sys.setenv, as.list(env))
    status <- tryCatch({
      hook$configure()
      hook$run_test_file(request$file, load_package = "none")
    }, error = function(e) {
      message("rerecord warm worker: ", conditionMessage(e))
      1L
    })
    flush(stdout())
    flush(stderr())
    parallel:::mcexit(status, send = status)
  }

  serve <- function(request) {
    child <- parallel:::mcfork()
    if (inherits(child, "masterProcess")) {
      run_child(request)
    }
    send(list(id = request$id, started = child$pid, session = FALSE))
    collected <- parallel::mccollect(child, wait = TRUE)
    status <- if (length(collected) > 0L) collected[[1L]] else NULL
    # Everything the child wrote went out before it ended: the markers come after it.
    cat(request$end, file = stdout())
    flush(stdout())
    cat(request$end, file = stderr())
    flush(stderr())
    if (is.numeric(status)) send(list(id = request$id, exit = as.integer(status)))
    else send(list(id = request$id, lost = TRUE))
  }

  loaded <- load_everything()
  send(list(ready = TRUE, loaded = loaded))

  requests <- file("stdin", open = "r")
  repeat {
    line <- readLines(requests, n = 1L)
    if (length(line) == 0L) quit(status = 0L)
    serve(jsonlite::fromJSON(line, simplifyVector = FALSE))
  }
})
