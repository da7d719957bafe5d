# GET a path of the stand-in API (test/support/standin-api.mjs) with the key in X-Api-Key.
# Errors are answers too: callers look at the status, as the tests do.
api_get <- function(path) {
  url <- Sys.getenv("STANDIN_API_URL", "http://127.0.0.1:9")
  request <- httr2::request(url)
  request <- httr2::req_url_path(request, path)
  request <- httr2::req_headers(request, `X-Api-Key` = Sys.getenv("STANDIN_API_KEY"), .redact = "X-Api-Key")
  request <- httr2::req_error(request, is_error = function(response) FALSE)
  request <- httr2::req_timeout(request, 120)
  httr2::req_perform(request)
}

api_json <- function(response) httr2::resp_body_json(response)
