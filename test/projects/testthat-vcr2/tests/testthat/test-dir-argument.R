# A cassette kept outside the configured folder, named by the call itself.
test_that("lists users from a cassette in tests/fixtures", {
  vcr::use_cassette("users", dir = "../fixtures", {
    res <- api_get("/users")
  })
  expect_equal(api_json(res)$users[[1]]$login, "ada")
})

test_that("vcr_test_path() names a folder below tests/", {
  vcr::local_cassette("item_two", dir = vcr::vcr_test_path("fixtures", "items"))
  res <- api_get("/items/2")
  expect_equal(api_json(res)$item$name, "beta")
})
