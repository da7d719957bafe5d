# Uses the cassette that shared_b_spec.rb uses too.
RSpec.describe 'status (a)' do
  it 'is ok' do
    VCR.use_cassette('status') do
      expect(api_json(api_get('/status'))['ok']).to be(true)
    end
  end
end
