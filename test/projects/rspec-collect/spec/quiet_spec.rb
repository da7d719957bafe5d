# `:vcr` on the group spreads over every example, but VCR writes a cassette only for an example
# that made a request: `Quiet/requests` is written, `Quiet/computes_locally` never is.
RSpec.describe 'Quiet', :vcr do
  it 'requests' do
    expect(api_get('/users').code).to eq('200')
  end

  it 'computes locally' do
    expect(MODELS.size).to eq(3)
  end
end
