/// Word lists for synthetic people and places. Names are common first names and surnames combined at
/// random; streets are invented; phone numbers come from Ofcom's drama range; email domains are
/// reserved for examples. Nothing describes a real person.
enum DemoNames {
    static let givenFemale = [
        "Olivia", "Amelia", "Isla", "Ava", "Mia", "Sophia", "Grace", "Lily", "Freya", "Emily", "Ella", "Poppy", "Aisha",
        "Fatima",
        "Maryam", "Zainab", "Priya", "Ananya", "Chloe", "Jessica", "Hannah", "Sarah", "Laura", "Rebecca", "Charlotte",
        "Emma",
        "Sophie", "Lucy", "Megan", "Zofia", "Maja", "Ioana", "Andreea", "Ayesha", "Nadia", "Leila", "Yasmin",
        "Chantelle",
        "Abena", "Adaeze", "Ngozi", "Shanice", "Tia", "Mei", "Lin", "Ana", "Beatriz", "Maria", "Elif", "Zeynep",
        "Hodan",
        "Ifrah", "Roksana", "Sadia", "Nusrat", "Keisha", "Joanne", "Karen", "Margaret", "Patricia", "Susan", "Deborah",
    ]
    static let givenMale = [
        "Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Muhammad", "Oscar", "Charlie", "Jacob", "Thomas",
        "James",
        "William", "Daniel", "Joshua", "Samuel", "Ethan", "Adam", "Ali", "Omar", "Yusuf", "Ibrahim", "Hamza", "Arjun",
        "Rohan",
        "Kwame", "Kofi", "Chidi", "Emeka", "Tyrone", "Marcus", "Jamal", "Andrei", "Mihai", "Jakub", "Kacper", "Piotr",
        "Mateusz",
        "Tomasz", "Luca", "Marco", "Diego", "Carlos", "Joao", "Pedro", "Mehmet", "Emre", "Ahmed", "Abdi", "Mohamed",
        "Rahim",
        "Imran", "Wei", "Jun", "Michael", "David", "Paul", "Stephen", "Robert", "John", "Peter", "Christopher",
        "Anthony",
    ]
    static let family = [
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
        "Robinson",
        "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke",
        "Patel",
        "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
        "Baker",
        "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett",
        "Young",
        "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
        "Miller",
        "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
        "Foster",
        "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
        "Owen",
        "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
        "Jenkins",
        "Murray", "Dixon", "Harvey", "Ahmed", "Rahman", "Islam", "Uddin", "Miah", "Shah", "Sharma", "Kaur", "Gill",
        "Mensah",
        "Owusu", "Boateng", "Okafor", "Adeyemi", "Okonkwo", "Eze", "Abdullahi", "Mohamud", "Warsame", "Nowak",
        "Kowalski",
        "Wisniewski", "Wojcik", "Kaminski", "Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Silva", "Santos",
        "Ferreira",
        "Pereira", "Oliveira", "Garcia", "Rodriguez", "Martinez", "Lopez", "Rossi", "Russo", "Yilmaz", "Kaya", "Demir",
        "Sahin",
        "Celik", "Chen", "Wang", "Li", "Zhang", "Liu", "Nguyen", "Tran", "O'Brien", "O'Connor", "McCarthy", "Doyle",
        "Byrne",
    ]
    static let streetNames = [
        "Acacia", "Alder", "Ashby", "Beacon", "Birchwood", "Bramble", "Brook", "Cedar", "Chalk", "Chestnut", "Clover",
        "Copper",
        "Cowslip", "Daisy", "Elder", "Elmfield", "Fennel", "Fern", "Foxglove", "Garnet", "Hawthorn", "Hazel", "Heather",
        "Holly",
        "Juniper", "Kestrel", "Lark", "Laurel", "Linden", "Magpie", "Maple", "Marigold", "Meadow", "Mulberry", "Nettle",
        "Oriel",
        "Osier", "Pennywort", "Poplar", "Primrose", "Quince", "Raven", "Rowan", "Saffron", "Sorrel", "Sparrow",
        "Teasel",
        "Thistle", "Tulip", "Walnut", "Willow", "Wren", "Yarrow",
    ]
    static let streetKinds = [
        "Road", "Street", "Avenue", "Close", "Gardens", "Lane", "Way", "Crescent", "Grove", "Court",
    ]
    /// Inward-code letters used by the Royal Mail (never C, I, K, M, O or V).
    static let inwardLetters = Array("ABDEFGHJLNPQRSTUWXYZ")

    /// Postcode districts and rough centres (latitude, longitude) per basic command unit.
    static let districts: [String: (towns: [String], outward: [String], lat: Double, lon: Double)] = [
        "AW": (
            ["Westminster", "Kensington", "Hammersmith", "Fulham", "Chelsea"],
            ["W2", "W6", "W8", "W11", "SW1V", "SW3", "SW6", "SW10", "W14"], 51.500, -0.190
        ),
        "CE": (
            ["Hackney", "Bethnal Green", "Bow", "Poplar", "Stepney"],
            ["E1", "E2", "E3", "E5", "E8", "E9", "E14", "N16"], 51.530, -0.050
        ),
        "CN": (
            ["Camden Town", "Islington", "Holloway", "Kentish Town", "Highbury"],
            ["N1", "N5", "N7", "N19", "NW1", "NW3", "NW5", "EC1V"], 51.550, -0.130
        ),
        "AS": (
            ["Brixton", "Peckham", "Camberwell", "Streatham", "Bermondsey"],
            ["SE1", "SE5", "SE15", "SE16", "SE17", "SW2", "SW9", "SW16"], 51.470, -0.100
        ),
        "EA": (
            ["Romford", "Ilford", "Barking", "Dagenham", "Hornchurch"],
            ["IG1", "IG2", "IG3", "IG11", "RM1", "RM7", "RM8", "RM10", "RM12"], 51.560, 0.130
        ),
        "NA": (
            ["Enfield", "Tottenham", "Wood Green", "Edmonton", "Hornsey"],
            ["EN1", "EN2", "N9", "N15", "N17", "N18", "N22", "N8"], 51.610, -0.080
        ),
        "NE": (
            ["Stratford", "East Ham", "Walthamstow", "Leyton", "Chingford"],
            ["E4", "E6", "E7", "E10", "E11", "E13", "E15", "E17"], 51.560, 0.010
        ),
        "NW": (
            ["Barnet", "Wembley", "Harrow", "Hendon", "Kilburn"],
            ["EN5", "HA0", "HA1", "HA3", "HA9", "NW4", "NW6", "NW9", "NW10"], 51.580, -0.260
        ),
        "SN": (
            ["Croydon", "Bromley", "Sutton", "Orpington", "Thornton Heath"],
            ["BR1", "BR2", "BR6", "CR0", "CR4", "CR7", "SM1", "SM2"], 51.370, -0.090
        ),
        "SE": (
            ["Lewisham", "Greenwich", "Woolwich", "Bexleyheath", "Catford"],
            ["DA6", "DA7", "SE3", "SE6", "SE10", "SE13", "SE18", "SE4"], 51.460, 0.030
        ),
        "SW": (
            ["Wandsworth", "Kingston", "Richmond", "Wimbledon", "Battersea"],
            ["KT1", "KT2", "SW11", "SW17", "SW18", "SW19", "TW9", "TW10"], 51.440, -0.230
        ),
        "WA": (
            ["Ealing", "Hounslow", "Uxbridge", "Southall", "Hayes"],
            ["TW3", "TW4", "UB1", "UB3", "UB8", "UB10", "W5", "W13"], 51.500, -0.380
        ),
    ]
}
