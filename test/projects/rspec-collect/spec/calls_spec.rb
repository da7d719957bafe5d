# A cassette named inside the example body: no dry run sees it, the source does.
RSpec.describe 'calls' do
  it 'lists the items' do
    VCR.use_cassette('calls') { expect(api_get('/items').code).to eq('200') }
  end
end
