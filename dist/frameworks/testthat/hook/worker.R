# rerecord's warm worker for testthat + vcr (src/frameworks/WORKERS.md):
#
#   Rscript --vanilla /abs/hook/worker.R
#
# cwd: the project root. stdin: requests, one JSON object a line. fd 3: our messages to rerecord.
# stdout, stderr: the running child's output.
#
# Loads testthat, vcr, the record hook (rerecord_hook.R, shared with testthat.R), the package under
# test (as testthat::test_file(load_package = "source") would) and the packages the helper files
# load, once. Then, per request, forks a child (parallel's mcfork) that takes the file's
# environment and working directory, re-reads the hook's settings and runs the file with the
# package already loaded: each child starts from a state that never ran a test. R cannot setsid:
# the child shares the worker's session, and rerecord kills it by pid and descendants.
#
# Everything lives inside local(): a child's tests see an empty global environment, as in a
# fresh process, and none of our names can shadow an attached package's. Only the main function
# is global, for a moment: called by its name, it keeps R's traceback (a segfault prints one) from
# quoting this whole file; it removes itself before any child exists.

.rerecord_worker <- local({
  script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[[1L]])
  here <- dirname(normalizePath(script))
  hook <- new.env()
  sys.source(file.path(here, "rerecord_hook.R"), envir = hook)

  # ---- JSON (no jsonlite: vcr 1 and testthat do not guarantee it) ----

  # Messages are flat: logicals, whole numbers, strings; I() marks a character vector as an array.
  json_value <- function(x) {
    if (is.logical(x)) return(tolower(as.character(x)))
    if (is.numeric(x)) return(format(x, scientific = FALSE))
    array <- inherits(x, "AsIs") || length(x) != 1L
    x <- enc2utf8(as.character(x))
    x <- ifelse(validUTF8(x), x, iconv(x, "UTF-8", "UTF-8", sub = "?"))
    strings <- vapply(x, hook$json_string, "", USE.NAMES = FALSE)
    if (array) paste0("[", paste(strings, collapse = ","), "]") else strings
  }

  json_object <- function(...) {
    fields <- list(...)
    body <- vapply(names(fields), function(name) paste0(hook$json_string(name), ":", json_value(fields[[name]])), "")
    paste0("{", paste(body, collapse = ","), "}")
  }

  # A request line as tokens; anything between tokens but blanks makes it no JSON.
  JSON_TOKEN <- "\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.eE+-]*|true|false|null|[][{}:,]"
  json_tokens <- function(line) {
    if (nzchar(gsub("[ \t\r\n]", "", gsub(JSON_TOKEN, "", line, perl = TRUE, useBytes = TRUE), useBytes = TRUE))) {
      stop("a request is not JSON: ", substr(line, 1L, 200L), call. = FALSE)
    }
    tokens <- regmatches(line, gregexpr(JSON_TOKEN, line, perl = TRUE, useBytes = TRUE))[[1L]]
    # regmatches() marks non-ASCII tokens as "bytes", which R refuses to compare: back to native.
    vapply(tokens, function(token) rawToChar(charToRaw(token)), "", USE.NAMES = FALSE)
  }

  # The UTF-8 bytes of one code point (a NUL included, which no R string can hold).
  utf8_bytes <- function(code) if (code == 0L) as.raw(0L) else charToRaw(intToUtf8(code))

  # A JSON string token's value: a string in the native encoding (its bytes as sent, as a fresh
  # process gets its environment), or its bytes when it holds a NUL (the driver's end markers).
  json_unescape <- function(token) {
    bytes <- charToRaw(token)
    bytes <- bytes[-c(1L, length(bytes))]
    text <- rawToChar(bytes)
    at <- gregexpr("\\\\(u[0-9a-fA-F]{4}|.)", text, perl = TRUE, useBytes = TRUE)[[1L]]
    if (at[[1L]] == -1L) return(text)
    out <- list()
    from <- 1L
    high <- NA_integer_  # a pending high surrogate
    for (k in seq_along(at)) {
      start <- at[[k]]
      escape <- rawToChar(bytes[start + seq_len(attr(at, "match.length")[[k]] - 1L)])
      code <- if (startsWith(escape, "u")) strtoi(substring(escape, 2L), 16L) else
        utf8ToInt(switch(escape, b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", escape))
      if (!is.na(high) && (start > from || code < 0xDC00L || code > 0xDFFFL)) {
        out[[length(out) + 1L]] <- utf8_bytes(0xFFFDL)  # a lone high surrogate
        high <- NA_integer_
      }
      if (start > from) out[[length(out) + 1L]] <- bytes[from:(start - 1L)]
      if (code >= 0xD800L && code <= 0xDBFFL) {
        high <- code
      } else if (code >= 0xDC00L && code <= 0xDFFFL) {
        out[[length(out) + 1L]] <- utf8_bytes(if (is.na(high)) 0xFFFDL else 0x10000L + (high - 0xD800L) * 1024L + code - 0xDC00L)
        high <- NA_integer_
      } else {
        out[[length(out) + 1L]] <- utf8_bytes(code)
      }
      from <- start + attr(at, "match.length")[[k]]
    }
    if (!is.na(high)) out[[length(out) + 1L]] <- utf8_bytes(0xFFFDL)
    if (from <= length(bytes)) out[[length(out) + 1L]] <- bytes[from:length(bytes)]
    bytes <- unlist(out)
    if (any(bytes == as.raw(0L))) bytes else rawToChar(bytes)
  }

  # A small recursive-descent parser over the tokens: objects become named lists.
  json_parse <- function(line) {
    tokens <- json_tokens(line)
    i <- 0L
    take <- function() {
      i <<- i + 1L
      if (i > length(tokens)) stop("a request ends too early: ", substr(line, 1L, 200L), call. = FALSE)
      tokens[[i]]
    }
    value <- function(token = take()) {
      if (token == "{") return(members())
      if (token == "[") return(elements())
      if (token %in% c("true", "false")) return(token == "true")
      if (token == "null") return(NULL)
      if (startsWith(token, "\"")) return(json_unescape(token))
      if (grepl("^-?[0-9]", token)) return(as.numeric(token))
      stop("unexpected ", token, " in a request", call. = FALSE)
    }
    members <- function() {
      out <- list()
      token <- take()
      while (token != "}") {
        key <- json_unescape(token)
        if (take() != ":") stop("a request's object is malformed", call. = FALSE)
        out[key] <- list(value())
        token <- take()
        if (token == ",") token <- take()
      }
      out
    }
    elements <- function() {
      out <- list()
      token <- take()
      while (token != "]") {
        out[length(out) + 1L] <- list(value(token))
        token <- take()
        if (token == ",") token <- take()
      }
      out
    }
    result <- value()
    if (i != length(tokens)) stop("a request has trailing tokens", call. = FALSE)
    result
  }

  # ---- fd 3 ----

  # fd 3 is a socket when Node made it (stdio 'pipe'), and R opens /dev/fd/3 only on a file or a
  # pipe: a `cat` that inherited fd 3 carries the messages there. Then our own fd 3 is closed, so
  # no child inherits it.
  open_messages <- function() {
    con <- pipe("exec cat >&3", open = "w")
    if (grepl("^(socket|pipe):", Sys.readlink("/proc/self/fd/3"))) parallel:::closeFD(3L)
    con
  }
  messages <- open_messages()

  send <- function(...) {
    writeLines(json_object(...), messages)
    flush(messages)
  }

  unavailable <- function(why) {
    send(unavailable = why)
    quit(status = 0L)
  }

  # ---- loading, once ----

  step <- function(what, expr) {
    tryCatch(expr, error = function(e) unavailable(paste0(what, ": ", conditionMessage(e))))
  }

  version_of <- function(package) {
    paste(package, tryCatch(as.character(utils::packageVersion(package)), error = function(e) "(version unknown)"))
  }

  # The package under test, loaded exactly as test_file(load_package = "source") loads it in a
  # fresh process: through testthat's own set-up step (pkgload::load_all with the DESCRIPTION's
  # Config/testthat/load-all arguments, helpers included, in testthat 3.1.6).
  load_package <- function(package) {
    if (is.null(package)) return(character())
    tests <- file.path("tests", "testthat")
    step(paste0("the package ", package, " did not load (pkgload::load_all as testthat's load_package = \"source\")"),
      testthat:::test_files_setup_env(package, normalizePath(if (dir.exists(tests)) tests else "."), "source", env = emptyenv()))
    paste(package, "(load_all)")
  }

  # The packages helper and setup files name in library(), require() or requireNamespace(): loaded
  # (not attached) once here, so a child only attaches them. One that does not load is left to
  # the test, which reports it in testthat's own words. Also the HTTP clients vcr hooks into, and
  # what testthat itself loads for every file (test_file finds the DESCRIPTION and edition through
  # pkgload, desc and rprojroot, and cleans up through withr), what its expectations compare with
  # (waldo) and what vcr reads cassettes with (yaml, jsonlite): a third of a child's time otherwise.
  helper_packages <- function(test_dir) {
    files <- list.files(test_dir, pattern = "^(helper|setup).*\\.[rR]$", full.names = TRUE)
    code <- unlist(lapply(files, function(file) tryCatch(readLines(file, warn = FALSE), error = function(e) character())))
    calls <- regmatches(code, gregexpr("(library|require|requireNamespace)\\(\\s*[\"']?[A-Za-z][A-Za-z0-9.]*", code))
    unique(sub("^.*\\(\\s*[\"']?", "", unlist(calls)))
  }

  load_namespaces <- function(skip) {
    always <- c("httr2", "httr", "crul", "webmockr", "pkgload", "desc", "rprojroot", "withr", "waldo", "yaml", "jsonlite")
    wanted <- setdiff(unique(c(helper_packages(file.path("tests", "testthat")), always)), skip)
    loads <- function(name) {
      isTRUE(tryCatch(suppressPackageStartupMessages(requireNamespace(name, quietly = TRUE)), error = function(e) FALSE))
    }
    vapply(Filter(loads, wanted), version_of, "", USE.NAMES = FALSE)
  }

  # A test that calls quit() or q() in a child: its status goes to the worker and the child ends as
  # mcexit() ends it. R's own exit would delete the session's temporary folder, which the worker
  # shares, and run the worker's finalizers.
  child_quit <- function(status, run_last) {
    if (!parallel:::isChild()) return(invisible())
    if (isTRUE(run_last) && exists(".Last", envir = globalenv(), mode = "function")) try(get(".Last", envir = globalenv())())
    status <- as.integer(status) %% 256L
    flush(stdout())
    flush(stderr())
    parallel:::mcexit(status, send = status)
  }

  trace_quit <- function() {
    tracer <- bquote(.(child_quit)(status, runLast))
    for (name in c("quit", "q")) suppressMessages(trace(name, tracer = tracer, where = baseenv(), print = FALSE))
  }

  load_everything <- function() {
    hook$configure()  # unsets VCR_TURN_OFF and its kin, which vcr reads when it loads
    step("library(testthat) failed", suppressPackageStartupMessages(library(testthat)))
    # vcr 1: webmockr hands real requests to vcr only when package:vcr is attached.
    step("library(vcr) failed", suppressPackageStartupMessages(library(vcr)))
    step("the record hook could not trace vcr::insert_cassette", hook$install_trace())
    step("quit() could not be traced", trace_quit())
    package <- step("DESCRIPTION could not be read", hook$package_name())
    loaded <- c(version_of("testthat"), version_of("vcr"), load_package(package))
    c(loaded, load_namespaces(c("testthat", "vcr", package)))
  }

  # ---- one child per request ----

  # What R's own start-up puts in a fresh process's environment (its front-end script and
  # etc/Renviron): R_HOME, R_LIBS_SITE, EDITOR... rerecord's env lacks them; a fresh R has them.
  r_startup_variable <- function(name) {
    grepl("^R_", name) | name %in% c("EDITOR", "PAGER", "LN_S", "MAKE", "SED", "TAR", "LD_LIBRARY_PATH", "SHLVL")
  }
  LOCALE <- c("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_COLLATE", "LC_TIME", "LC_MONETARY", "LC_MESSAGES",
    "LC_PAPER", "LC_MEASUREMENT")

  # The child's whole environment is the request's, plus R's own start-up variables (the worker's
  # values: R derived them from the same environment; LD_LIBRARY_PATH and SHLVL always, as R's
  # script prefixes or counts them).
  replace_environment <- function(env, cwd) {
    if (!all(vapply(env, is.character, NA))) stop("a request's env holds a value that is no string", call. = FALSE)
    env <- if (length(env) > 0L) unlist(env) else character()
    own <- startup_env[r_startup_variable(names(startup_env))]
    own <- own[!names(own) %in% names(env) | names(own) %in% c("LD_LIBRARY_PATH", "SHLVL")]
    env[names(own)] <- own
    env[["PWD"]] <- cwd
    env[["R_SESSION_TMPDIR"]] <- tempdir()
    stale <- setdiff(names(Sys.getenv()), names(env))
    if (length(stale) > 0L) Sys.unsetenv(stale)
    do.call(Sys.setenv, as.list(env))
    # R sets its locale from the environment when it starts; a child whose LANG differs re-reads it.
    if (!identical(unname(Sys.getenv(LOCALE, unset = "")), locale_at_start)) invisible(Sys.setlocale("LC_ALL", ""))
  }

  # Cut the child off the worker's channels: a test must not read requests or speak on fd 3.
  # mcfork() made stdin a pipe from the worker, which never writes to it (a read would hang):
  # /dev/null takes its place (the lowest free descriptor, 0, once 0 is closed).
  detach_from_worker <- function() {
    close(requests)
    close(messages)
    parallel:::closeFD(0L)
    assign("devnull", file("/dev/null", open = "r"), envir = child_state)
  }

  # A fresh seed: the one the worker made while loading (as a fresh process does) would give every
  # child the same random numbers; set.seed(NULL) seeds anew from the time and the pid. The JIT
  # stays off, as mcfork() leaves it in every child of parallel's: compiling allocates, and every
  # page a child writes is a copy-on-write fault (about 80 ms a child on the bench's suite; the
  # code computes the same, only loops run slower).
  fresh_process_state <- function() {
    if (exists(".Random.seed", envir = globalenv(), inherits = FALSE)) set.seed(NULL)
  }

  # As testthat.R does: the file's path normalized first (exit 1 if it is missing), then the
  # settings (exit 2 without a journal and backup folder when recording).
  run_request <- function(request) {
    setwd(request$cwd)
    replace_environment(request$env, request$cwd)
    fresh_process_state()
    test_path <- normalizePath(request$file, mustWork = TRUE)
    if (!hook$configure()) {
      message("RERECORD_JOURNAL and an existing RERECORD_BACKUP_DIR are required")
      return(2L)
    }
    hook$run_test_file(test_path, load_package = "none")
  }

  # In the child. It never returns into the worker's loop: whatever happens it ends in mcexit(),
  # which sends the status to the worker and exits without R's exit code (which would delete the
  # temporary folder the worker shares, and run the worker's finalizers).
  run_child <- function(request) {
    status <- 1L
    on.exit({
      flush(stdout())
      flush(stderr())
      parallel:::mcexit(status, send = status)
    })
    detach_from_worker()
    status <- tryCatch(run_request(request), error = function(e) {
      message("rerecord warm worker: ", conditionMessage(e))
      1L
    })
  }

  # /proc/<pid>/stat: a zombie (Z) or a gone process has ended.
  ended <- function(pid) {
    stat <- tryCatch(readLines(sprintf("/proc/%d/stat", pid), warn = FALSE),
      error = function(e) character(), warning = function(w) character())
    length(stat) == 0L || grepl("^[0-9]+ \\(.*\\) [ZX] ", stat[[1L]])
  }

  # The status the child sent (NULL when it ended without one: a signal, a crash). A child that
  # died while a process it started still holds its end of the pipe is seen by its zombie state.
  wait_for <- function(pid) {
    status <- NULL
    repeat {
      ready <- parallel:::selectChildren(pid, 0.5)
      if (is.integer(ready) && pid %in% ready) {
        got <- parallel:::readChild(pid)
        if (!is.raw(got)) break  # the child closed the pipe: it ended (and was told it may exit)
        status <- unserialize(got)
      } else if (is.null(ready) || ended(pid)) {
        parallel:::rmChild(pid)
        break
      }
    }
    # The SIGCHLD handler reaps it: "exit" then means the process is gone.
    deadline <- Sys.time() + 2
    while (dir.exists(sprintf("/proc/%d", pid)) && Sys.time() < deadline) Sys.sleep(0.005)
    parallel:::cleanup(kill = FALSE, detach = FALSE)  # forget the ended child's entry
    if (is.numeric(status) && length(status) == 1L) as.integer(status) else NULL
  }

  # The end marker, after everything the child wrote (it flushed before sending its status). A
  # marker with a NUL cannot be an R string: its bytes go through a cat, which close() waits for.
  write_end <- function(end, fd) {
    if (is.character(end)) {
      stream <- if (fd == 1L) stdout() else stderr()
      cat(end, file = stream)
      flush(stream)
    } else {
      con <- pipe(sprintf("exec cat >&%d", fd), open = "wb")
      writeBin(end, con)
      close(con)
    }
  }

  # Each child gets a temporary folder of its own, as a fresh process does: the worker's (empty
  # after loading) is replaced before each fork. A child that crashes deletes the one it had.
  fresh_tempdir <- function() {
    unlink(tempdir(), recursive = TRUE, force = TRUE)
    invisible(tempdir(check = TRUE))
  }

  serve <- function(request) {
    fresh_tempdir()
    flush(stdout())
    flush(stderr())
    child <- parallel:::mcfork()
    if (inherits(child, "masterProcess")) run_child(request)
    send(id = request$id, started = child$pid, session = FALSE)
    status <- wait_for(child$pid)
    write_end(request$end, 1L)
    write_end(request$end, 2L)
    if (is.null(status)) send(id = request$id, lost = TRUE) else send(id = request$id, exit = status)
    # The worker's own collection, now, while rerecord settles the file and no child shares its
    # pages: left to chance, it comes just after the next fork, when every page it marks is a
    # copy-on-write fault (about 60 ms a child on the bench's suite).
    invisible(gc(full = FALSE))
  }

  # ---- main ----

  main <- function() {
    rm(".rerecord_worker", envir = globalenv())
    startup_env <<- Sys.getenv()
    startup_env <<- setNames(as.character(startup_env), names(startup_env))
    locale_at_start <<- unname(Sys.getenv(LOCALE, unset = ""))
    loaded <- load_everything()
    requests <<- file("stdin", open = "r")
    flush(stdout())
    flush(stderr())
    # A collected heap to fork from: a child then starts with room to allocate before its first
    # collection, which would otherwise mark (and so copy) every page it shares (about 50 ms a child).
    invisible(gc(full = TRUE))
    send(ready = TRUE, loaded = I(loaded))
    repeat {
      line <- readLines(requests, n = 1L, warn = FALSE)
      if (length(line) == 0L) quit(status = 0L)
      if (nzchar(trimws(line))) serve(json_parse(line))
    }
  }

  startup_env <- locale_at_start <- requests <- NULL  # set by main()
  child_state <- new.env()  # keeps the child's /dev/null stdin open
  main
})
.rerecord_worker()
