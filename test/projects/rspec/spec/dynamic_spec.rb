# The cassette name is only known at run time, so no source scan can find it.
RSpec.describe 'dynamic' do
  [1].each do |id|
    it "fetches item #{id}" do
      VCR.use_cassette("dyn_#{id}") do
        expect(api_json(api_get("/items/#{id}"))['item']['id']).to eq(id)
      end
    end
  end
end
