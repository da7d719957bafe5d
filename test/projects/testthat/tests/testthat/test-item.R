test_that("gets item one", {
  use_cassette(name = "item_one", {
    res <- api_get("/items/1")
  })
  expect_equal(httr::status_code(res), 200)
  expect_equal(api_json(res)$item, list(id = 1L, name = "alpha"))
})
