# Uses the cassette that shared_a_spec.rb uses too.
RSpec.describe 'status (b)' do
  it 'is ok' do
    VCR.use_cassette('status') do
      expect(api_json(api_get('/status'))['ok']).to be(true)
    end
  end
end
