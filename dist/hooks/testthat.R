# rerecord's record hook for testthat + vcr (vcr 1.x).
#
#   Rscript testthat.R /abs/path/tests/testthat/test-x.R
#
# cwd: the project root (the package root when there is a DESCRIPTION).
# env: RERECORD_JOURNAL    JSON-lines file to append one line per cassette to
#      RERECORD_BACKUP_DIR existing directory that receives the old cassettes
# Exit status: 0 when every test passed (skips are fine), 1 otherwise.
#
# vcr reads no environment variable for the record mode, and a helper's
# vcr_configure()/vcr_configure_reset() or a test's use_cassette(record = ...)
# would override a global setting. So we trace vcr::insert_cassette (which
# use_cassette calls) and overwrite its `record` argument there. Mode "all"
# alone keeps stale interactions, so the old file is moved away first.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) {
  message("usage: Rscript testthat.R <test file>")
  quit(status = 2L)
}
test_path <- normalizePath(args[[1L]], mustWork = TRUE)
journal <- Sys.getenv("RERECORD_JOURNAL")
backup_dir <- Sys.getenv("RERECORD_BACKUP_DIR")
if (!nzchar(journal) || !dir.exists(backup_dir)) {
  message("RERECORD_JOURNAL and an existing RERECORD_BACKUP_DIR are required")
  quit(status = 2L)
}
backup_dir <- normalizePath(backup_dir)

# These would make insert_cassette a no-op (or an error) after we deleted the file.
Sys.unsetenv(c("VCR_TURN_OFF", "VCR_TURNED_OFF", "VCR_IGNORE_CASSETTES"))

suppressPackageStartupMessages({
  library(testthat)
  # webmockr hands real requests to vcr only when package:vcr is attached;
  # without it vcr records nothing and deletes the "empty" cassette.
  library(vcr)
})

# Minimal JSON string encoder (jsonlite is not a vcr/testthat dependency).
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

seen <- new.env()  # absolute cassette paths already prepared in this process

# Runs at the top of every insert_cassette call, before vcr reads the file.
prepare_cassette <- function(name, serialize_with) {
  vcr:::check_cassette_name(name)  # vcr would refuse this name after we deleted the file
  if (is.null(serialize_with)) serialize_with <- vcr_configuration()$serialize_with
  ext <- if (identical(serialize_with, "json")) ".json" else ".yml"
  # vcr resolves `dir` against the cwd, which testthat set to the test folder.
  dir <- path.expand(vcr_configuration()$dir)
  dir <- if (dir.exists(dir)) normalizePath(dir) else file.path(getwd(), dir)
  file <- file.path(dir, paste0(name, ext))
  if (exists(file, envir = seen, inherits = FALSE)) return(invisible())

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
        file.size(backup) != file.size(file)) {
      stop("rerecord: could not back up cassette ", file)  # keep the original
    }
  }
  append_journal(sprintf("{\"cassette\":%s,\"existed\":%s,\"backup\":%s}",
    json_string(file), tolower(existed),
    if (is.null(backup)) "null" else json_string(backup)))
  assign(file, TRUE, envir = seen)
  if (existed) unlink(file)
  invisible()
}

# The tracer runs in insert_cassette's frame, so it can rewrite its `record`
# argument. prepare_cassette is spliced in as a value: no global name needed.
invisible(suppressMessages(trace("insert_cassette", where = asNamespace("vcr"), print = FALSE,
  tracer = bquote({
    .(prepare_cassette)(name, serialize_with)
    record <- "all"
  }))))

# A package's tests expect its functions: load it from source as
# devtools::test() would (load_all also finds the root above tests/testthat).
package <- NULL
load_package <- "none"
if (file.exists("DESCRIPTION")) {
  package <- unname(read.dcf("DESCRIPTION", fields = "Package")[1, 1])
  load_package <- "source"
}

# ProgressReporter prints every failure/error with its location and message.
reporter <- ProgressReporter$new(show_praise = FALSE, max_failures = Inf)
result <- tryCatch(
  test_file(test_path, reporter = reporter, package = package,
    load_package = load_package, stop_on_failure = FALSE),
  error = function(e) {
    # e.g. a syntax error or a failing helper: testthat gives up on the file.
    message("\nError running ", test_path, ": ", conditionMessage(e))
    NULL
  })
if (is.null(result)) quit(status = 1L)

df <- as.data.frame(result)
bad <- any(df$failed > 0L) || any(df$error)
quit(status = if (bad) 1L else 0L)
