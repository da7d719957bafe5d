# vcr 2 without a `dir`: cassettes go to tests/testthat/_vcr (testthat::test_path("_vcr")).
#
# Record (start the stand-in API first; vcr 2 keeps the port in the recorded URIs, so replay
# with the same STANDIN_API_URL, server stopped or not):
#   STANDIN_API_URL=http://127.0.0.1:<port> STANDIN_API_KEY=<key> Rscript -e 'devtools::test()'
#
# The key is sent only as header X-Api-Key, which vcr 2 does not record by default; it is also
# scrubbed from URIs and bodies.
api_key <- Sys.getenv("STANDIN_API_KEY")
vcr::vcr_configure(
  filter_sensitive_data = if (nzchar(api_key)) list("<<<API_KEY>>>" = api_key)
)
