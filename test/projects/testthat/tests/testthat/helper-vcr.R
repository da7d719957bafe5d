# Tests talk to the stand-in API (test/support/standin-api.mjs) through vcr cassettes
# kept in tests/fixtures (vcr resolves `dir` against this folder, testthat's cwd).
#
# Replay (vcr's default record mode "once"; no server needed, any port will do):
#   cd test/projects/testthat && Rscript -e 'testthat::test_dir("tests/testthat")'
# Re-record: start the API, then run rerecord's hook (src/frameworks/testthat/hook/testthat.R) on a
# test file with STANDIN_API_URL=http://127.0.0.1:<port> and STANDIN_API_KEY=<key>.
#
# The key is sent only as header X-Api-Key. It must never land in a cassette: the header is
# replaced by a placeholder, and filter_sensitive_data also scrubs it from URIs and bodies.
library(vcr)

api_url <- Sys.getenv("STANDIN_API_URL", "http://127.0.0.1:9")
api_key <- Sys.getenv("STANDIN_API_KEY")

vcr_configure(
  dir = "../fixtures",
  filter_request_headers = list("X-Api-Key" = "<<<API_KEY>>>"),
  # Only with a key: an empty string would make vcr "restore" every empty match on replay.
  filter_sensitive_data = if (nzchar(api_key)) list("<<<API_KEY>>>" = api_key)
)

# GET a path of the stand-in API. The long timeout lets a caller's own timeout win on /hang.
api_get <- function(path) {
  httr::GET(paste0(api_url, path), httr::add_headers(`X-Api-Key` = api_key), httr::timeout(120))
}

api_json <- function(response) httr::content(response, as = "parsed", type = "application/json")
