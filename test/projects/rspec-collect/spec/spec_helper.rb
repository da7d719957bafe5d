# Specs talk to the stand-in API (test/support/standin-api.mjs) through VCR cassettes kept in
# spec/cassettes; webmock hooks Net::HTTP for VCR. The models come from a support file: which
# examples exist, and so which cassettes `:vcr` names, is known only once Ruby has loaded it.
#
# Replay (the cassettes' own record modes; no server needed, any base URL will do):
#   cd test/projects/rspec && rspec
# Re-record: start the API, then run rspec with rerecord's hook (src/frameworks/rspec/hook/rerecord_vcr.rb)
# loaded through RUBYOPT, STANDIN_API_URL=http://127.0.0.1:<port> and STANDIN_API_KEY=<key>.
require 'json'
require 'net/http'
require 'vcr'
require 'webmock/rspec'
require_relative 'support/models'

API_URL = ENV.fetch('STANDIN_API_URL', 'http://api.test')
API_KEY = ENV.fetch('STANDIN_API_KEY', '')
# What recorded URIs say instead of the stand-in's address, whose port is new on every run.
RECORDED_ORIGIN = 'http://api.test'

VCR.configure do |c|
  c.cassette_library_dir = File.expand_path('cassettes', __dir__)
  c.hook_into :webmock
  c.configure_rspec_metadata!
  # Ruby VCR keeps host:port in recorded URIs and matches on them by default. The stand-in listens
  # on a random port, so recordings name a fixed origin instead and replay matches method + path:
  # the specs replay against any base URL, with no server.
  c.default_cassette_options = { match_requests_on: %i[method path] }
  c.before_record do |interaction|
    interaction.request.uri = interaction.request.uri.sub(%r{\Ahttps?://[^/]+}, RECORDED_ORIGIN)
  end
  # The key travels only in the X-Api-Key header; it must never land in a cassette. An empty key
  # (replay) is skipped by VCR itself.
  c.filter_sensitive_data('<API_KEY>') { API_KEY }
end

module StandinApi
  # GET a path of the stand-in API. The long read timeout lets rerecord's timeout win on /hang.
  def api_get(path)
    uri = URI.join(API_URL, path)
    Net::HTTP.start(uri.host, uri.port, read_timeout: 120) do |http|
      http.get(uri.request_uri, 'X-Api-Key' => API_KEY)
    end
  end

  def api_json(response)
    JSON.parse(response.body)
  end
end

RSpec.configure do |config|
  config.include StandinApi
end
