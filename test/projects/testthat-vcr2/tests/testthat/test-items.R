test_that("lists items", {
  vcr::local_cassette("items")
  res <- api_get("/items")
  expect_equal(httr2::resp_status(res), 200)
  expect_length(api_json(res)$items, 3)
})

test_that("gets one item", {
  vcr::use_cassette("item_one", {
    res <- api_get("/items/1")
  })
  expect_equal(api_json(res)$item$name, "alpha")
})
