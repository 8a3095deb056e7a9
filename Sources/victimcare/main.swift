import VictimCareServer

try await VictimCare.main()
