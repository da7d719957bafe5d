# Shared examples included by several specs: VCR names their cassettes after the including group.
RSpec.shared_examples 'a listing' do |path, key|
  it 'answers with a list', :vcr do
    response = api_get(path)
    expect(response.code).to eq('200')
    expect(api_json(response)[key]).not_to be_empty
  end
end
