/**
 * Common English words, roughly most frequent first, written out here because the stand-in
 * tokenizer cannot download a real vocabulary. Order matters: earlier words get better Unigram
 * scores and survive when a small `--vocab` truncates the list. Inflected forms are listed as
 * words of their own because a real XLM-R vocabulary also holds them whole ("▁learning").
 * Duplicates are harmless (the vocabulary builder keeps the first occurrence).
 */
export const COMMON_ENGLISH_WORDS: readonly string[] = `
the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an
each she which do their time if will way about many then them write would like so these her long
make thing see him two has look more day could go come did number sound no most people my over
know water than call first who may down side been now find any new work part take get place made
live where after back little only round man year came show every good me give our under name very
through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light
kind off need house picture try us again animal point mother world near build self earth father
head stand own page should country found answer school grow study still learn plant cover food sun
four between state keep eye never last let thought city tree cross farm hard start might story saw
far sea draw left late run don't while press close night real life few north open seem together
next white children begin got walk example ease paper group always music those both mark often
letter until mile river car feet care second book carry took science eat room friend began idea
fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual
young ready above ever red list though feel talk bird soon body dog family direct pose leave song
measure door product black short numeral class wind question happen complete ship area half rock
order fire south problem piece told knew pass since top whole king space heard best hour better
true during hundred five remember step early hold west ground interest reach fast verb sing listen
six table travel less morning ten simple several vowel toward war lay against pattern slow center
love person money serve appear road map rain rule govern pull cold notice voice unit power town
fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct
able pound done beauty drive stood contain front teach week final gave green oh quick develop ocean
warm free minute strong special mind behind clear tail produce fact street inch multiply nothing
course stay wheel full force blue object decide surface deep moon island foot system busy test
record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape
equate hot miss brought heat snow tire bring yes distant fill east paint language among grand ball
yet wave drop heart am present heavy dance engine position arm wide sail material size vary settle
speak weight general ice matter circle pair include divide syllable felt perhaps pick sudden count
square reason length represent art subject region energy hunt probable bed brother egg ride cell
believe fraction forest sit race window store summer train sleep prove lone leg exercise wall catch
mount wish sky board joy winter sat written wild instrument kept glass grass cow job edge sign
visit past soft fun bright gas weather month million bear finish happy hope flower clothe strange
gone jump baby eight village meet root buy raise solve metal whether push seven paragraph third
shall held hair describe cook floor either result burn hill safe cat century consider type law bit
coast copy phrase silent tall sand soil roll temperature finger industry value fight lie beat
excite natural view sense ear else quite broke case middle kill son lake moment scale loud spring
observe child straight consonant nation dictionary milk speed method organ pay age section dress
cloud surprise quiet stone tiny climb cool design poor lot experiment bottom key iron single stick
flat twenty skin smile crease hole trade melody trip office receive row mouth exact symbol die
least trouble shout except wrote seed tone join suggest clean break lady yard rise bad blow oil
blood touch grew cent mix team wire cost lost brown wear garden equal sent choose fell fit flow
fair bank collect save control decimal gentle woman captain practice separate difficult doctor
please protect noon whose locate ring character insect caught period indicate radio spoke atom
human history effect electric expect crop modern element hit student corner party supply bone rail
imagine provide agree thus capital won't chair danger fruit rich thick soldier process operate
guess necessary sharp wing create neighbor wash bat rather crowd corn compare poem string bell
depend meat rub tube famous dollar stream fear sight thin triangle planet hurry chief colony clock
mine tie enter major fresh search send yellow gun allow print dead spot desert suit current lift
rose continue block chart hat sell success company subtract event particular deal swim term
opposite wife shoe shoulder spread arrange camp invent cotton born determine quart nine truck
noise level chance gather shop stretch throw shine property column molecule select wrong gray
repeat require broad prepare salt nose plural anger claim continent oxygen sugar death pretty
skill women season solution magnet silver thank branch match suffix especially fig afraid huge
sister steel discuss forward similar guide experience score apple bought led pitch coat mass card
band rope slip win dream evening condition feed tool total basic smell valley nor double seat
arrive master track parent shore division sheet substance favor connect post spend chord fat glad
original share station dad bread charge proper bar offer segment slave duck instant market degree
populate chick dear enemy reply drink occur support speech nature range steam motion path liquid
log meant quotient teeth shell neck
is are was were be been being am has have had having do does did doing done say says said saying
go goes went gone going get gets got getting make makes made making know knows knew known knowing
think thinks thought thinking take takes took taken taking see sees saw seen seeing come comes
came coming want wants wanted wanting look looks looked looking use uses used using find finds
found finding give gives gave given giving tell tells told telling work works worked working call
calls called calling try tries tried trying ask asks asked asking need needs needed needing feel
feels felt feeling become becomes became becoming leave leaves left leaving put puts putting mean
means meant meaning keep keeps kept keeping let lets letting begin begins began begun beginning
seem seems seemed seeming help helps helped helping show shows showed shown showing hear hears
heard hearing play plays played playing run runs ran running move moves moved moving live lives
lived living believe believes believed believing bring brings brought bringing happen happens
happened happening write writes wrote written writing provide provides provided providing sit sits
sat sitting stand stands stood standing lose loses lost losing pay pays paid paying meet meets met
meeting include includes included including continue continues continued continuing set sets
learn learns learned learnt learning change changes changed changing lead leads led leading
understand understands understood understanding watch watches watched watching follow follows
followed following stop stops stopped stopping create creates created creating speak speaks spoke
spoken speaking read reads reading allow allows allowed allowing add adds added adding spend
spends spent spending grow grows grew grown growing open opens opened opening walk walks walked
walking win wins won winning offer offers offered offering remember remembers remembered love
loves loved loving consider considers considered considering appear appears appeared appearing
buy buys bought buying wait waits waited waiting serve serves served serving die dies died dying
send sends sent sending expect expects expected expecting build builds built building stay stays
stayed staying fall falls fell fallen falling cut cuts cutting reach reaches reached reaching kill
kills killed killing remain remains remained remaining suggest suggests suggested raise raises
raised raising pass passes passed passing sell sells sold selling require requires required
requiring report reports reported reporting decide decides decided deciding pull pulls pulled
describe describes described describing explain explains explained explaining compute computes
computed computing train trains trained training predict predicts predicted predicting improve
improves improved improving measure measures measured measuring design designs designed designing
develop develops developed developing apply applies applied applying solve solves solved solving
process processes processed processing return returns returned returning store stores stored
storing search searches searched searching rank ranks ranked ranking sort sorts sorted sorting
score scores scored scoring test tests tested testing support supports supported supporting
contain contains contained containing define defines defined defining represent represents
represented representing analyze analyzes analyzed analyzing analyse generate generates generated
generating produce produces produced producing
time times person persons year years way ways day days thing things man men world life lives hand
hands part parts child children eye eyes woman women place places week weeks case cases point
points government company companies number numbers group groups problem problems fact facts
system systems program programs question questions home homes water room rooms mother area areas
money story stories month months lot lots right study studies book books job jobs word words
business issue issues side sides kind kinds head house service services friend friends father
power hour hours game games line lines end member members law car cars city cities community name
president team minute idea ideas kid kids body information back parent parents face others level
office door health art war history party result results change morning reason research girl guy
moment air teacher force education foot boy age policy everything process music market sense
nation plan college interest death experience effect use class control care field development
role effort rate heart drug show leader light voice wife police mind price report decision son
view relationship town road arm difference value building action model models season society tax
director position player record paper space ground form event official matter center couple site
project activity star table need court oil situation cost industry figure street image phone data
picture practice piece land product doctor wall patient worker news test movie north love support
technology step baby computer type attention film tree source organization hair window evidence
population truth science theory method methods network networks algorithm algorithms language
languages learning machine machines intelligence artificial neural deep text texts document
documents query queries answer answers search engine engines retrieval relevance relevant rerank
reranker reranking score scores vector vectors embedding embeddings sentence sentences token tokens
tokenizer transformer transformers attention layer layers training dataset datasets accuracy
performance benchmark benchmarks browser browsers server servers client clients request requests
response responses memory speed quality result results user users application applications
website web internet online software hardware device devices mobile phone phones email message
messages file files database databases code coding developer developers library libraries
function functions variable variables object objects array arrays string strings error errors
example examples feature features version versions update updates security privacy cloud platform
tool tools framework frameworks interface api keyword keywords index indexes content article
articles page pages link links title titles summary topic topics category categories list lists
subset superset intelligent artificially statistical statistics probability mathematics math
physics chemistry biology medicine medical disease diseases patient patients treatment treatments
health healthy doctor doctors hospital hospitals virus cancer heart brain blood cell cells protein
proteins gene genes dna climate energy solar electricity carbon emissions environment environmental
economy economic economics financial finance bank banks investment investors stock stocks price
prices inflation trade tax taxes budget cost costs profit revenue growth market markets customer
customers product products sales marketing management manager managers employee employees job
jobs career salary office meeting meetings project projects team teams plan plans strategy goal
goals success failure risk risks law laws legal court courts judge police crime government
governments political politics election elections vote votes president minister parliament
congress policy policies public private national international global local state states country
countries nation nations city cities capital population citizens culture cultural history
historical ancient modern century centuries war wars peace military army religion religious church
god music song songs film films movie movies art artist artists book books author authors novel
story stories game games sport sports football soccer basketball baseball tennis player players
coach season match win team food foods restaurant coffee tea wine beer water milk bread meat
chicken fish fruit vegetables rice sugar salt recipe recipes cooking kitchen travel trip hotel
flight airport train station bus car cars road traffic weather rain snow temperature summer winter
spring autumn fall season morning afternoon evening night today tomorrow yesterday week weekend
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december
good new first last long great little own other old right big high different small large next
early young important few public bad same able better best certain clear common easy free full
general hard human late likely local low main major many military national natural necessary
nice open particular personal physical political poor possible present private real recent red
serious short similar simple single social special strong sure true various whole wide wrong
available beautiful central current difficult economic entire environmental federal final
financial foreign happy huge legal medical modern normal popular powerful professional
significant successful traditional useful valuable accurate efficient effective fast faster
fastest slow slower quick quickly simple simpler complex larger smaller largest smallest higher
highest lower lowest longer longest shorter better worse worst more most less least much many
also just only very even back well still now then here there however actually really probably
often always never sometimes usually already again almost perhaps together rather quite enough
especially maybe finally recently nearly simply certainly exactly directly clearly generally
instead later soon therefore indeed thus otherwise meanwhile moreover furthermore although though
because since unless while whereas whether either neither both each every all any some no none
one two three four five six seven eight nine ten eleven twelve thirteen fifteen twenty thirty forty
fifty hundred thousand million billion first second third fourth fifth half quarter percent
i you he she it we they me him her us them my your his its our their mine yours hers ours theirs
myself yourself himself herself itself ourselves themselves this that these those who whom whose
which what where when why how whatever whoever anything something nothing everything anyone
someone everyone nobody somebody everybody
a an the of in on at to for from by with about as into like through after over between out
against during without before under around among within along across behind beyond toward towards
upon above below up down off near inside outside per via
and or but nor so yet if than that
can could will would shall should may might must ought
not no yes ok okay please thanks thank hello hi
ability absence absolute absolutely abstract academic accept accepted access accident accompany
accomplish according account accounts achieve achieved achievement acid acquire acquired active
actively activities actor actors actual adapt adaptation addition additional address adequate
adjust administration admit adopt adult adults advance advanced advantage adventure advertising
advice advise affair affect affected afford agency agenda agent agents aggressive agreement
agriculture aid aim aircraft alarm album alcohol alive alliance alone alternative amazing ambition
amount analysis analyst ancestor angle angry announce announced annual anxiety anybody anyway
apart apartment apparent apparently appeal appearance approach appropriate approval approve
approximately architecture argue argued argument arise armed arrival arrest arrested aside
aspect assess assessment asset assets assign assist assistance assistant associate associated
association assume assumption atmosphere attach attack attempt attend attitude attorney attract
attractive audience authority automatic automatically average avoid award aware awareness
background balance ban barely barrier basically basis basket bathroom battery battle beach beauty
bedroom beginning behavior behaviour belief belong beneath benefit benefits beside besides bike
bill billion biological birth birthday bitter blame blind bomb bond border boss bottle boundary
bowl brain brand brave breakfast breath breathe brick bridge brief briefly brilliant broadcast
broken budget bunch burden bureau button cabinet cable calculate calculation calendar campaign
campus cancel candidate capability capable capacity carbon careful carefully cash cast category
cause celebrate celebration celebrity ceremony chain chairman challenge champion championship
channel chapter characteristic charity chart cheap cheese chemical chest chocolate choice
cigarette circumstance citizen civil civilian classic classroom clever click climate clinic
clinical closely closer clothes clothing club cluster coach coalition code cognitive collapse
colleague collection collective combination combine combined comfort comfortable command comment
commercial commission commit commitment committee communicate communication comparison competition
competitive complain complaint completely complexity component components comprehensive compute
concentrate concentration concept concern concerned concert conclude conclusion concrete conduct
conference confidence confident confirm conflict confusion congress connection conscious
consequence conservative considerable consistent constant constantly constitute constitution
construct construction consult consumer consumption contact contemporary context contract
contrast contribute contribution controversial convention conversation convert convince
cooperation cope core corporate corporation correctly correlation council counter county courage
crash crazy creation creative creature credit crew crisis criteria critic critical criticism
crucial cultivate curious currency currently curriculum curve custom cycle daily damage dangerous
database deadline dealer debate debt decade declare decline decrease dedicate defeat defend
defense defence deficit definitely definition delay deliver delivery demand democracy democratic
demonstrate dense density deny department departure depression depth deputy derive desire desk
despite destroy destruction detail detailed detect detection determination device devote diagnosis
dialogue diet differently digital dimension dining dinner diplomatic disability disagree disappear
disaster discipline discount discover discovery discrimination dish dismiss disorder display
distance distinct distinction distinguish distribute distribution district diverse diversity
document domain domestic dominant dominate donate double doubt downtown dozen draft drama dramatic
dramatically drawing drinking driver dust duty dynamic eager earn earnings ease easily eastern
eating ecosystem edit edition editor educate educational efficiency efficiently elderly elect
election electronic elegant elementary eliminate elite elsewhere embrace emerge emergency emission
emotion emotional emphasis emphasize empire employ employer employment empty enable encounter
encourage endless enforcement engage engagement engineer engineering enhance enjoy enormous
ensure entertainment enthusiasm entirely entrance entry episode equally equipment equivalent era
escape essay essential essentially establish established estate estimate ethical ethnic
evaluate evaluation eventually evident evolution evolve exactly examination examine exceed
excellent exception exchange excited excitement exciting exclusive excuse executive exhibit
exhibition exist existence existing expand expansion expectation expense expensive experienced
expert explanation explicit explode exploration explore explosion export expose exposure express
expression extend extension extensive extent external extra extraordinary extreme extremely
fabric facility factor factory faculty fail failed faith fake familiar fantasy fashion fault
favorite favourite fee female fiction fifteen file filter finance finding fitness fix fixed flag
flexible flight float focus focused folk football forecast foreign formal format formation former
formula fortune foundation frame framework frequency frequent frequently friendly frustration fuel
fully functional fund fundamental funding funny furniture gain gallery gap gender gene generate
generation generous genetic genius genre genuine gesture giant gift glance global goal golden golf
goods governor grab grade gradually graduate grain grant graph grateful grave greatly grocery
guarantee guard guest guidance guideline guilty habit handle hang harm headline heaven height
helpful heritage hero hidden hide highlight highly highway hire historian historic hockey holiday
holy honest honor horizon horrible host hostile household housing hunger hungry hypothesis ideal
identical identification identify identity ignore illegal illness illustrate image imagination
immediate immediately immigrant immigration impact implement implementation implication imply
import impose impossible impress impression impressive incentive incident income incorporate
increase increased increasingly incredible independence independent index indicator individual
indoor infant infection inflation influence inform informal infrastructure ingredient initial
initially initiative injury inner innocent innovation innovative input inquiry insight insist
inspection inspire install installation instance instruction instructor insurance integrate
integrated integrity intellectual intend intense intensity intention interaction interested
interesting interior internal interpret interpretation intervention interview introduce
introduction invasion invest investigate investigation investigator invite involve involved
involvement isolated item items jacket joint journal journalist journey judgment jury justice
justify kitchen knee knife knowledge label labor laboratory landscape lane largely laser lately
latter launch lawyer layer leadership league lecture legacy legend legislation legitimate leisure
lesson liberal license lifestyle lifetime limit limitation limited literally literary literature
loan lobby location logic logical lonely loss lover loyal luck lucky lunch luxury magazine
magic mainly maintain maintenance majority male manage management manner manufacturer
manufacturing margin marine marketing marriage married massive mastery meal meaningful
measurement mechanism media medium membership mental mention mentor merely mess metric
middle migration mild minister minor minority miracle mirror mission mistake mixed mixture mode
moderate modify monitor mood moral moreover mortgage mostly motivate motivation motor movement
multiple murder muscle museum musical musician mutual mystery myth narrative narrow native
naturally navy nearby neat necessarily negative negotiate negotiation neighborhood nervous
nevertheless newly newspaper nobody nominee normally notion novel nuclear nurse nutrition
objective obligation observation observer obtain obvious obviously occasion occasionally
occupation odd offense offensive officer ongoing opening operation operator opinion opponent
opportunity oppose opposition optimal option options orange ordinary organic organize
organized orientation origin originally outcome outcomes outdoor outer output outstanding overall
overcome overlook owner ownership pace pack package pain painful painting palace panel panic
parking participant participate participation partly partner partnership passage passenger
passion passive patience pattern peaceful peak penalty pension perceive percentage perception
perfect perfectly perform permanent permission permit personality personally perspective
phenomenon philosophy photo photograph photographer phrase physician pilot pink pipe pitch
planning plastic plate platform pleasure plenty pocket poetry poet pole politician poll
pollution pool popularity portion portrait portray positive possess possession possibility
possibly potato potential potentially poverty powder practical practically praise pray prayer
precisely predict prediction prefer preference pregnant premise premium preparation presence
presentation preserve pressure presumably prevent prevention previous previously primarily
primary prime principal principle printer prior priority prison prisoner privacy prize
probability procedure proceed producer production productive profession professor profile
profit profound progress prohibit prominent promise promote promotion prompt proof proportion
proposal propose proposed prosecutor prospect protection protein protest proud proven provider
province provision psychological psychology publication publish publisher punishment purchase
pure purpose pursue qualify quantity quantum quarterback questionnaire quietly quote racial
radical rapid rapidly rare rarely rating ratio raw reader readily reality realistic realize
reasonable rebuild recall receiver recently recipe recognition recognize recommend
recommendation recover recovery recruit reduce reduction refer reference reflect reflection
reform refugee refuse regard regarding regardless regime regional register regular regularly
regulate regulation reinforce reject relate related relation relative relatively relax release
reliable relief religion rely remarkable remind remote removal remove rent repair replace
replacement representation representative republic reputation requirement rescue reservation
reserve resident residential resist resistance resolution resolve resort resource resources
respect respond respondent responsibility responsible restaurant restore restriction retain
retire retirement reveal revenue reverse review revolution reward rhythm rice rid rival robust
rocket romantic roof root rough roughly route routine rural sacred sad safety salary sample
sanction satellite satisfaction satisfy sauce saving scan scenario scene schedule scheme
scholar scholarship scientific scientist scope screen script sculpture secret secretary sector
secure seek segment seldom senior sensitive sequence series session settlement severe sexual
shade shadow shake shame shape shared sharing shelter shift shoot shooting shopping shortly shot
shower shut sick signal signature significance significantly silence silly simply sink situation
sketch ski slice slide slightly smart smoke smooth soccer socially soft software solar sole
solid somehow somewhat sophisticated sort soul sounds source southern spare speaker specialist
species specific specifically specify spectrum speculation spirit spiritual split spokesman
sponsor sport spot spread stability stable stadium staff stage stake standard standing stare
statement statistic status steady steal stem stimulate stock stomach storage storm strategic
strategy strength stress stretch strict strike striking structure struggle stuff stupid style
subsequent substantial substantially suburban succeed successfully sudden suddenly suffer
sufficient suggestion suicide suitable sum summit super superior supplier supporter suppose
supposed supreme surely surgery surprised surprising surprisingly surround survey survival
survive survivor suspect sustain sustainable swing symptom sympathy talent target task taste
taxpayer teaching technical technique technological teenager telephone telescope television
temporary tend tendency tension terms terrible territory terror terrorism terrorist testing
testimony textbook thanks theater theme therapy thereby thick thinking thoroughly threat threaten
throughout ticket tight tip tired tissue tobacco tone tongue tonight topic tough tour tourist
tournament tower toy tradition tragedy trail transfer transform transformation transition
translate translation transport transportation trend trial tribe trick troop tropical truly
trust tune tunnel twice typical typically ugly ultimate ultimately unable uncle undergo
unemployment unfortunately uniform union unique universal universe university unknown unlike
unlikely unusual upper urban urge useful usual utility vacation valid variable variation variety
vast vegetable vehicle venture version versus vessel veteran victim victory video viewer violence
violent virtual virtually virtue visible vision visitor visual vital volume volunteer vulnerable
wage wander warning warrior weak weakness wealth wealthy weapon wedding weekly weigh weird welfare
western wheat whenever wherever whisper widely widespread wildlife willing wine winner wire wisdom
wise withdraw witness wolf wonderful wooden worker workshop worried worry worth writer yield youth
zone
`
  .split(/\s+/)
  .filter((word) => word.length > 0);
