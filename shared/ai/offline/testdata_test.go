package offline

// The three-topic keyword set of the clustering tests: 20 keywords each, with
// the varied phrasing of real keyword research and the words topics share in
// real lists ("home", "kit", "flat", "long", "last", "best", "for beginners").
var topicKeywords = map[string][]string{
	"trail": {
		"best trail running shoes for women", "trail running shoes for wide feet", "waterproof trail running shoes",
		"how to choose trail running shoes", "trail running shoes vs road running shoes", "lightweight trail shoes for ultramarathon",
		"trail running shoes with rock plate", "zero drop trail running shoes", "cushioned trail running shoes for long distance",
		"trail running shoe reviews", "best budget trail running shoes", "trail shoes for muddy terrain",
		"how long do trail running shoes last", "men's trail running shoes sale", "trail running shoes for flat feet",
		"gore-tex trail running shoes", "minimalist trail running shoes", "trail running shoes sizing guide",
		"best trail running shoes for beginners", "trail running shoes grip on wet rocks",
	},
	"sourdough": {
		"how to feed a sourdough starter", "sourdough starter recipe", "easy sourdough bread recipe for beginners",
		"sourdough bread baking at home", "why is my sourdough bread dense", "sourdough discard recipes",
		"best flour for sourdough bread", "sourdough starter not rising", "how to store sourdough starter in fridge",
		"whole wheat sourdough bread", "sourdough bread baking schedule", "sourdough hydration explained",
		"no knead sourdough bread", "sourdough bread in dutch oven", "sourdough starter kit",
		"how long to proof sourdough bread", "gluten free sourdough starter", "sourdough bread scoring patterns",
		"sourdough sandwich bread loaf", "sourdough bread baking temperature",
	},
	"solar": {
		"solar panel installation cost", "home solar panels worth it", "how many solar panels do i need",
		"solar panel kit for home", "best solar panels for rv", "solar panels with battery storage",
		"solar panel efficiency comparison", "diy solar panel installation", "solar panel tax credit 2024",
		"monocrystalline vs polycrystalline solar panels", "solar panels for off grid cabin", "how long do solar panels last",
		"solar panel inverter types", "roof solar panels maintenance", "portable solar panels for camping",
		"solar panels on flat roof", "solar panel cleaning tips", "cheapest solar panels for home",
		"solar battery backup for home", "solar panel financing options",
	},
}
