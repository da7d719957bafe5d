# One example per model, each named from the model: `:vcr` makes `Models/<model>/fetches_its_item`.
RSpec.describe 'Models', :vcr do
  MODELS.each do |model|
    context model do
      it 'fetches its item' do
        expect(api_get("/items/#{ITEM_OF.fetch(model)}").code).to eq('200')
      end
    end
  end
end
