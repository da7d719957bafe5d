# /hang never answers when re-recorded: rerecord's timeout kills the process.
RSpec.describe 'hang' do
  it 'answers' do
    VCR.use_cassette('hang') do
      expect(api_get('/hang').code).to eq('200')
    end
  end
end
