# rerecord's record hook for testthat + vcr (vcr 1.x and vcr 2.x): what both entry points share.
# testthat.R (a fresh Rscript per test file) and worker.R (a warm worker that forks a child per
# file, see WORKERS.md) load it with sys.source() into an environment of its own, so none of its
# names reach the tests' global environment.
#
# env: RERECORD_JOURNAL    JSON-lines file to append one line per cassette to
#      RERECORD_BACKUP_DIR existing directory that receives the old cassettes
#      RERECORD_ROOT       the project: a cassette outside it is refused
#      RERECORD_MODE       "replay": every insertion gets record = "none" (a request the
#                          cassette does not hold is an error); nothing is journaled,
#                          backed up or deleted
#
# vcr reads no environment variable for the record mode, and a helper's vcr_configure() or a
# test's use_cassette(record = ...) would override a global setting. So we trace vcr's
# insert_cassette (which use_cassette and local_cassette call) and overwrite its `record`
# argument there:
# - on a cassette's first insertion in this process: back the file up, journal it, delete it,
#   and record everything ("all");
# - on later insertions: append. vcr 1's "all" merges the new interactions into the file; vcr 2's
#   "all" starts the cassette empty (the first block's requests would be lost), so vcr 2 gets
#   "new_episodes": it keeps what the file holds, replays it, and records what is new.
# The cassette's file is asked of vcr itself, so that `dir =`, the configured folder, vcr 2's
# default (testthat::test_path("_vcr")) and the serializer's extension resolve exactly as the
# running vcr resolves them. The settings are read by configure(), at start and again in every
# forked child: the trace, installed once (in a worker: before any child exists), consults them at
# each call, so a child records or replays as its own environment says.

journal <- ""
backup_dir <- ""
replaying <- FALSE
seen <- new.env()  # absolute cassette paths already prepared in this process

`%||%` <- function(x, y) if (is.null(x)) y else x  # base R has it only from 4.4

# Reads the settings from the environment and forgets every cassette seen so far. FALSE when
# neither recording (journal and backup folder) nor replaying is asked for.
configure <- function() {
  journal <<- Sys.getenv("RERECORD_JOURNAL")
  backup_dir <<- Sys.getenv("RERECORD_BACKUP_DIR")
  replaying <<- identical(Sys.getenv("RERECORD_MODE"), "replay")
  seen <<- new.env()
  # These would make insert_cassette a no-op (or an error) after we deleted the file.
  Sys.unsetenv(c("VCR_TURN_OFF", "VCR_TURNED_OFF", "VCR_IGNORE_CASSETTES"))
  if (replaying) return(TRUE)
  if (!nzchar(journal) || !dir.exists(backup_dir)) return(FALSE)
  backup_dir <<- normalizePath(backup_dir)
  TRUE
}

# Minimal JSON string encoder (jsonlite is not a vcr 1/testthat dependency).
json_string <- function(x) {
  codes <- utf8ToInt(enc2utf8(x))
  chars <- vapply(codes, function(code) {
    if (code == 34L) "\\\"" else if (code == 92L) "\\\\"
    else if (code < 32L) sprintf("\\u%04x", code) else intToUtf8(code)
  }, "")
  paste0("\"", paste(chars, collapse = ""), "\"")
}

append_journal <- function(line) {
  # Opened, written and closed per line, so the line is on disk (in the
  # kernel's hands) before we delete anything: a kill -9 leaves it truthful.
  con <- file(journal, open = "a", encoding = "UTF-8")
  on.exit(close(con))
  writeLines(line, con)
  flush(con)
}

# One spelling per file: "../testthat/fixtures/x.yml" and "fixtures/x.yml" are
# the same cassette. The folder may not exist yet (vcr creates it when it
# records), so the nearest existing ancestor is normalized and the rest kept.
absolute_path <- function(file) {
  file <- path.expand(file)
  if (!grepl("^(/|[A-Za-z]:)", file)) file <- file.path(getwd(), file)
  rest <- basename(file)
  dir <- dirname(file)
  while (!dir.exists(dir) && dirname(dir) != dir) {
    rest <- file.path(basename(dir), rest)
    dir <- dirname(dir)
  }
  parts <- strsplit(rest, "/", fixed = TRUE)[[1L]]
  out <- normalizePath(dir, winslash = "/")
  for (part in parts) {
    if (part == "..") out <- dirname(out) else if (part != "." && nzchar(part)) out <- file.path(out, part)
  }
  out
}

# The file vcr will read and write for this insertion, asked of vcr itself.
# NULL when vcr would refuse the arguments: vcr then raises its own error and
# we have touched nothing.
cassette_file_v2 <- function(name, dir, serialize_with) {
  cassette <- tryCatch(
    vcr:::Cassette$new(name, dir = dir, serialize_with = serialize_with),
    error = function(e) NULL)
  if (is.null(cassette)) NULL else cassette$file()
}

# vcr 1 builds the path in Cassette$new, which also writes the file, so the
# same expression is evaluated here: <cassette_path()>/<name>.<yml|json>.
cassette_file_v1 <- function(name, serialize_with) {
  serialize_with <- serialize_with %||% vcr::vcr_configuration()$serialize_with
  ext <- switch(serialize_with, yaml = "yml", json = "json", NULL)
  if (is.null(ext)) return(NULL)
  sprintf("%s/%s.%s", path.expand(vcr:::cassette_path()), name, ext)
}

# Only a cassette inside the project rerecord runs in (RERECORD_ROOT), outside
# its .git/ and .rerecord/ and not its config file .rerecord.yml, is backed up
# and deleted. absolute_path() has already followed symlinked folders, as vcr's
# own write would.
refuse_outside_root <- function(file) {
  root <- Sys.getenv("RERECORD_ROOT")
  if (!nzchar(root)) return(invisible())
  root <- normalizePath(root, winslash = "/", mustWork = FALSE)
  inside <- startsWith(file, paste0(root, "/"))
  relative <- if (inside) substring(file, nchar(root) + 2L) else ""
  first <- if (inside) strsplit(relative, "/", fixed = TRUE)[[1L]][1L] else ""
  if (!inside || first %in% c(".git", ".rerecord") || identical(relative, ".rerecord.yml")) {
    stop("rerecord: refusing cassette ", file, ": it lies outside the project ", root,
      " (or inside .git/ or .rerecord/, or is .rerecord.yml); nothing was touched", call. = FALSE)
  }
  invisible()
}

# Runs at the top of every insert_cassette call, before vcr reads the file.
# TRUE on the cassette's first insertion in this process.
prepare_cassette <- function(file) {
  if (is.null(file)) return(FALSE)
  file <- absolute_path(file)
  if (exists(file, envir = seen, inherits = FALSE)) return(FALSE)
  refuse_outside_root(file)

  existed <- file.exists(file)
  backup <- NULL
  if (existed) {
    n <- length(list.files(backup_dir, all.files = TRUE, no.. = TRUE)) + 1L
    repeat {
      backup <- file.path(backup_dir, paste0(n, "-", basename(file)))
      if (!file.exists(backup)) break
      n <- n + 1L
    }
    if (!file.copy(file, backup, copy.date = TRUE) ||
        !identical(file.size(backup), file.size(file))) {
      stop("rerecord: could not back up cassette ", file)  # keep the original
    }
  }
  append_journal(sprintf("{\"cassette\":%s,\"existed\":%s,\"backup\":%s}",
    json_string(file), tolower(existed),
    if (is.null(backup)) "null" else json_string(backup)))
  assign(file, TRUE, envir = seen)
  if (existed) unlink(file)
  TRUE
}


vcr_major <- function() {
  as.integer(strsplit(as.character(utils::packageVersion("vcr")), ".", fixed = TRUE)[[1L]][[1L]])
}

# The record mode for one insertion, decided when it happens (record or replay, per process).
record_mode_v2 <- function(name, dir, serialize_with, record) {
  if (replaying) return("none")
  if (!nzchar(journal)) return(record)
  if (prepare_cassette(cassette_file_v2(name, dir, serialize_with))) "all" else "new_episodes"
}

record_mode_v1 <- function(name, serialize_with, record) {
  if (replaying) return("none")
  if (!nzchar(journal)) return(record)
  vcr:::check_cassette_name(name)  # vcr would refuse this name after we deleted the file
  prepare_cassette(cassette_file_v1(name, serialize_with))
  "all"
}

# The tracer runs in insert_cassette's frame, so it can rewrite its `record` argument. The
# functions are spliced in as values: no global name needed. While vcr is turned off
# (turned_off(), turn_off(ignore_cassettes = TRUE)) insert_cassette ignores the cassette: so do
# we, or we would delete a file that nothing records again.
install_trace <- function() {
  tracer <- if (vcr_major() >= 2L) {
    bquote(if (vcr:::turned_on()) record <- .(record_mode_v2)(name, dir, serialize_with, record))
  } else {
    bquote(if (vcr:::turned_on()) record <- .(record_mode_v1)(name, serialize_with, record))
  }
  invisible(suppressMessages(trace("insert_cassette", where = asNamespace("vcr"),
    print = FALSE, tracer = tracer)))
}

# A package's tests expect its functions: the package under test, when there is a DESCRIPTION.
package_name <- function() {
  if (!file.exists("DESCRIPTION")) return(NULL)
  unname(read.dcf("DESCRIPTION", fields = "Package")[1, 1])
}

# Runs one test file as testthat would; the exit status: 0 when every test passed (skips are
# fine), 1 otherwise. `load_package`: "source" loads the package first (devtools::test() does);
# "none" when a warm worker loaded it already.
run_test_file <- function(test_path, load_package) {
  package <- package_name()
  if (is.null(package)) load_package <- "none"
  # ProgressReporter prints every failure/error with its location and message.
  reporter <- testthat::ProgressReporter$new(show_praise = FALSE, max_failures = Inf)
  result <- tryCatch(
    testthat::test_file(test_path, reporter = reporter, package = package,
      load_package = load_package, stop_on_failure = FALSE),
    error = function(e) {
      # e.g. a syntax error or a failing helper: testthat gives up on the file.
      message("\nError running ", test_path, ": ", conditionMessage(e))
      NULL
    })
  if (is.null(result)) return(1L)
  df <- as.data.frame(result)
  if (any(df$failed > 0L) || any(df$error) || any_broken(result)) 1L else 0L
}

# testthat's data frame marks a test as errored only when the error is its last result: an error
# followed by a warning (vcr 1's "empty cassette deleted", signalled as the cassette is ejected
# after the request failed) would pass. Every result is looked at instead.
any_broken <- function(result) {
  results <- unlist(lapply(result, function(test) test$results), recursive = FALSE)
  any(vapply(results, function(x) inherits(x, c("expectation_failure", "expectation_error")), NA))
}
