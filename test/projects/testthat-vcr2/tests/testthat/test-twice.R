# One cassette, inserted by two blocks: the file must end up holding both requests. vcr 2's
# default record mode "once" would only replay in the second block, so it appends new episodes.
test_that("first block: items", {
  vcr::local_cassette("twice")
  res <- api_get("/items")
  expect_equal(httr2::resp_status(res), 200)
})

test_that("second block: users", {
  vcr::local_cassette("twice", record = "new_episodes")
  res <- api_get("/users")
  expect_equal(httr2::resp_status(res), 200)
})
