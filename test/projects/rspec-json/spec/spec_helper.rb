# Specs talk to the stand-in API (test/support/standin-api.mjs) through VCR cassettes serialized as
# JSON in spec/cassettes. Replay needs no server: `cd test/projects/rspec-json && rspec`.
require 'json'
require 'net/http'
require 'vcr'
require 'webmock/rspec'

API_URL = ENV.fetch('STANDIN_API_URL', 'http://api.test')
API_KEY = ENV.fetch('STANDIN_API_KEY', '')
RECORDED_ORIGIN = 'http://api.test'

VCR.configure do |c|
  c.cassette_library_dir = File.expand_path('cassettes', __dir__)
  c.hook_into :webmock
  c.configure_rspec_metadata!
  # Recordings name a fixed origin and replay matches method + path: any base URL will do.
  c.default_cassette_options = {
    match_requests_on: %i[method path],
    serialize_with: :json
  }
  c.before_record do |interaction|
    interaction.request.uri = interaction.request.uri.sub(%r{\Ahttps?://[^/]+}, RECORDED_ORIGIN)
  end
  c.filter_sensitive_data('<API_KEY>') { API_KEY }
end

module StandinApi
  def api_get(path)
    uri = URI.join(API_URL, path)
    Net::HTTP.start(uri.host, uri.port) { |http| http.get(uri.request_uri, 'X-Api-Key' => API_KEY) }
  end

  def api_json(response)
    JSON.parse(response.body)
  end
end

RSpec.configure do |config|
  config.include StandinApi
end

Dir[File.join(__dir__, 'support', '**', '*.rb')].sort.each { |file| require file }
