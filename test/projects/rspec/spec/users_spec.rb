# Cassettes named by rspec metadata: `:vcr` derives `<group>/<example>` from the descriptions,
# `cassette_name:` picks one.
RSpec.describe 'Users API', :vcr do
  it 'lists users' do
    expect(api_json(api_get('/users'))['users'].size).to eq(2)
  end

  context 'with a named cassette', vcr: { cassette_name: 'users_page' } do
    it 'shows the admin first' do
      expect(api_json(api_get('/users'))['users'].first['role']).to eq('admin')
    end
  end
end
