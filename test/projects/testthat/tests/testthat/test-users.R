test_that("lists users", {
  # record = "none" pins the cassette; rerecord must re-record it anyway.
  vcr::use_cassette("users", record = "none", {
    res <- api_get("/users")
  })
  expect_equal(httr::status_code(res), 200)
  expect_equal(api_json(res)$users[[1]]$login, "ada")
})

test_that("pages through users with insert/eject", {
  vcr::insert_cassette("users_page")
  res <- api_get("/users")
  vcr::eject_cassette()
  expect_equal(httr::status_code(res), 200)
  expect_length(api_json(res)$users, 2)
})
