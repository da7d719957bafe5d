# Two cassettes in one file, one of them pinned to a record mode (rerecord overrides it).
RSpec.describe 'items' do
  it 'lists the items' do
    response = VCR.use_cassette('items') { api_get('/items') }
    expect(response.code).to eq('200')
    expect(api_json(response)['items'].map { |item| item['name'] }).to eq(%w[alpha beta gamma])
  end

  it 'fetches one item' do
    VCR.use_cassette("item_two", record: :none) do
      expect(api_json(api_get('/items/2'))['item']['name']).to eq('beta')
    end
  end
end
