RSpec.describe 'Users', :vcr do
  it 'lists users' do
    expect(api_json(api_get('/users'))['users'].first['login']).to eq('ada')
  end

  it_should_behave_like 'a listing', '/users', 'users'

  it 'keeps one page as YAML', vcr: false do
    VCR.use_cassette('users page', serialize_with: :yaml) do
      expect(api_get('/users').code).to eq('200')
    end
  end
end
