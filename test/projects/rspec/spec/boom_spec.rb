# /boom answers 500 when re-recorded: the spec fails and its cassette must be restored.
RSpec.describe 'boom' do
  it 'answers 200' do
    VCR.use_cassette('boom') do
      expect(api_get('/boom').code).to eq('200')
    end
  end
end
