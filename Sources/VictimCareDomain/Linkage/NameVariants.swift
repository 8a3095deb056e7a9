/// Given-name variants and nicknames, and family-name transliteration variants, as data: each line is a
/// canonical form, a colon, then the forms that mean the same name. Kept here rather than in code so an analyst
/// can read and extend it; `LinkageNames` turns it into a lookup.
public enum LinkageVariantLists {
    public static let givenNames = """
        muhammad: mohammed, mohammad, mohamed, muhammed, mohamad, mohamud, mahomed, mohd, md, muhamed, mohammod
        fatima: fatma, fatimah, fatema, fathima
        aisha: ayesha, aysha, aishah, aisyah, ayisha
        khadija: khadijah, khadeeja, kadija
        ahmed: ahmad, ahmet, ahmedd
        hussain: hussein, husain, hossain, hussien, husein
        yusuf: yousef, yousuf, yusef, youssef
        ibrahim: ebrahim, ibraheem
        abdullah: abdulla, abdallah
        mustafa: mostafa, mustapha
        hassan: hasan, hasson
        ali: aly
        omar: umar, omer
        zainab: zaynab, zeinab
        mariam: maryam, miriam, meriam
        nasreen: nasrin, nasreena
        shahid: shaheed
        rashid: rasheed, rashed
        sultana: sultanah
        olumide: mide
        oluwaseun: seun, shawn
        adebayo: bayo
        chukwuemeka: emeka
        ngozi: ngozy
        oluwatobi: tobi
        olusegun: segun
        wei: way
        xiaoming: ming
        priya: preeya
        deepak: dipak
        sanjay: sanjai
        rajesh: raj
        lakshmi: laxmi
        krzysztof: chris, christopher
        wojciech: wojtek
        aleksander: alexander, alex, olek
        katarzyna: kasia, kate, katherine
        malgorzata: gosia, margaret
        william: will, bill, billy, liam, willy, willie
        robert: rob, bob, bobby, robbie, bert
        elizabeth: liz, beth, lizzie, betty, eliza, lisa, betsy
        margaret: maggie, meg, peggy, marge, megan, greta
        katherine: kate, katie, kath, cathy, catherine, kathryn, katharine, kathy, kay, cate
        james: jim, jimmy, jamie, jas
        john: jack, johnny, jon, jonny
        michael: mike, mick, mickey, mikey, micky
        richard: rick, dick, richie, ricky, rich
        thomas: tom, tommy
        anthony: tony, antony
        christopher: chris, kit
        joseph: joe, joey, jo
        daniel: dan, danny
        david: dave, davey, davy
        edward: ed, eddie, ted, ned, teddy
        alexander: alex, sandy, alec, xander
        benjamin: ben, benny, benji
        samuel: sam, sammy
        matthew: matt, mat
        nicholas: nick, nicky, nic
        jennifer: jen, jenny
        rebecca: becky, becca, bex
        susan: sue, suzy, susie
        patricia: pat, patty, trish, tricia
        victoria: vicky, vicki, tori
        jessica: jess, jessie
        alexandra: alex, sandra, lexi
        charlotte: charlie, lottie
        charles: charlie, chas, chuck
        frederick: fred, freddie
        henry: harry, hal
        stephen: steve, steven, stevie
        andrew: andy, drew
        peter: pete
        gregory: greg
        jonathan: jon, jonny, nathan
        timothy: tim, timmy
        philip: phil, phillip
        ronald: ron, ronnie
        donald: don, donny
        kenneth: ken, kenny
        leonard: len, lenny, leo
        abigail: abbie, abby, gail
        deborah: debbie, deb, debra
        pamela: pam
        dorothy: dot, dolly
        samantha: sam, sammy
        jacqueline: jackie, jacky
        natalie: nat
        nathaniel: nat, nate
        oluwafemi: femi
        """

    public static let familyNames = """
        begum: bibi, begam
        khan: kahn
        chowdhury: choudhury, chaudhry, chaudhary, choudhry, chowdhry
        ahmed: ahmad
        hussain: hussein, husain, hossain
        rahman: rehman, rahmaan
        islam: islaam
        mohammed: muhammad, mohamed, mohammad
        ali: aly
        shah: sha
        patel: patell
        singh: sing
        kaur: kour
        okafor: okafur
        adeyemi: adeyemmi
        nowak: novak
        kowalski: kowalsky
        wisniewski: wisnewski
        mcdonald: macdonald
        mckenzie: mackenzie
        obrien: o brien
        smith: smyth
        thompson: thomson
        stephenson: stevenson
        """
}
