RSpec.describe 'Items API' do
  shared_examples 'a healthy api' do
    it 'reports ok', :vcr do
      expect(api_json(api_get('/status'))['ok']).to be(true)
    end
  end

  it_behaves_like 'a listing', '/items', 'items'

  context 'when checked' do
    include_examples 'a healthy api'
  end

  describe 'one item' do
    let(:cassette) { 'item three' }

    it 'reads it' do
      VCR.use_cassette(cassette) do
        expect(api_json(api_get('/items/3'))['item']['name']).to eq('gamma')
      end
    end
  end
end
