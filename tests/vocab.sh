#!/bin/sh
# tests/vocab.sh — the vocabulary layer from the command line: the FT
# article reads as mainland text, user vocabularies, --no-vocab, --punct,
# --detect, --explain, malformed files.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
S="$DATA/samples"

zhconv --to=cn "$S/ft-article-tw.txt" > cn.out; ok $? "ft-article --to=cn"
for w in 英伟达 芯片 算法 数据; do
  grep -q "$w" cn.out; ok $? "--to=cn has $w"
done
for w in 辉达 内核 创建 运行者 拷贝; do
  ! grep -q "$w" cn.out; ok $? "--to=cn has no $w"
done
zhconv --to=hans "$S/ft-article-tw.txt" > hans.out
grep -q 英伟达 hans.out && grep -q 芯片 hans.out; ok $? "--to=hans has 英伟达 and 芯片"

zhconv --to=cn --no-vocab "$S/ft-article-tw.txt" > plain.out
zhconv --config=tw2sp "$S/ft-article-tw.txt" > tw2sp.out
same_file plain.out tw2sp.out "--no-vocab on Taiwan text is OpenCC's tw2sp"

# User vocabularies: later files win, user files win over built-in ones.
printf -- '- {cn: 辉达, tw: 輝達}\n' > a.yaml
printf -- '- {cn: 英伟达公司, tw: 輝達}\n' > b.yaml
converts "--to=cn --from=tw --vocab=a.yaml" '輝達' '辉达' "--vocab overrides a built-in entry"
converts "--to=cn --from=tw --vocab=a.yaml --vocab=b.yaml" '輝達' '英伟达公司' "a later --vocab wins"

printf -- '- {cn: 软件, tw: 軟體}\n- {cn: 硬件, tw 硬體}\n' > bad.yaml
zhconv --to=cn --vocab=bad.yaml "$S/ft-article-tw.txt" > out.txt 2> err.txt; st=$?
[ $st -eq 2 ]; ok $? "a malformed vocabulary: exit 2 (got $st)"
grep -q '^zhconv: bad.yaml:2:[0-9]*: ' err.txt; ok $? "... with FILE:LINE:COL: $(cat err.txt)"
[ ! -s out.txt ]; ok $? "... and nothing converted"
zhconv --to=cn --vocab=missing.yaml in 2> err.txt; [ $? -eq 1 ]; ok $? "a missing vocabulary: exit 1"

# One-way entries ("only:"): used for the targets named, and no other.
# (Made-up terms whose characters are the same in both scripts.)
printf -- '- {cn: 甲乙丙, tw: 丁戊己, only: tw}\n' > oneway.yaml
converts "--to=tw --from=cn --vocab=oneway.yaml" '甲乙丙' '丁戊己' "an entry with only: tw converts cn to tw"
printf '丁戊己' | zhconv --to=cn --from=tw --vocab=oneway.yaml > out.txt
same_file out.txt want.txt "... and not tw to cn"
converts "--to=cn --from=tw" '這款手機不支援5G；我不支持這個政策' '这款手机不支持5G；我不支持这个政策' "built-in one-way entries: Taiwan's 不支援 is mainland 不支持"
converts "--to=tw --from=cn" '这款手机不支持5G' '這款手機不支持5G' "... and mainland 不支持 stays 不支持 (it may be a stance)"
printf -- '- {cn: 软件, tw: 軟體, only: mars}\n' > badonly.yaml
zhconv --to=cn --vocab=badonly.yaml < /dev/null > out.txt 2> err.txt; st=$?
[ $st -eq 2 ] && grep -q '^zhconv: badonly.yaml:1:[0-9]*: ' err.txt
ok $? "only: with an unknown target: exit 2 with FILE:LINE:COL: $(cat err.txt)"

# --protect: listed terms come out as they are, whatever the target.
printf '# brand names\n輝達\n\n軟體\r\n' > terms.txt
converts "--to=cn --from=tw --protect=terms.txt" '輝達的軟體和晶片' '輝達的軟體和芯片' "--protect keeps the listed terms (comments, blank lines, CRLF handled)"
converts "--to=cn --from=tw --no-vocab --protect=terms.txt" '輝達的軟體' '輝達的軟體' "--protect holds with --no-vocab"
zhconv --config=t2s --protect=terms.txt < /dev/null 2> err.txt; [ $? -eq 2 ]; ok $? "--protect with --config: exit 2"
printf '\377\n' > badterms.txt
zhconv --to=cn --protect=badterms.txt < /dev/null 2> err.txt; st=$?
[ $st -eq 2 ] && grep -q 'badterms.txt:1:1: ' err.txt; ok $? "a term list with invalid UTF-8: exit 2, FILE:LINE:COL"

# Guards: a word that a term would otherwise cut in two stays whole (the
# term starts inside it): 发布 in 头发布满, 行銷 in 進行銷售, 代码 in 现代码头,
# 屏 before 幕 in 曲面屏幕.
converts "--to=tw --from=cn" '头发布满灰尘，现代码头，曲面屏幕，恢复制度，明显存在，这里根本' '頭髮佈滿灰塵，現代碼頭，曲面螢幕，恢復制度，明顯存在，這裡根本' "--to=tw keeps 头发, 现代, 屏幕, 恢复, 明显 and 这里 whole"
converts "--to=cn --from=tw" '進行銷售，銀行銷售，魚雷射程，電影印象，斯里蘭卡達成協議，相當機密，儘快取得' '进行销售，银行销售，鱼雷射程，电影印象，斯里兰卡达成协议，相当机密，尽快取得' "--to=cn keeps 進行, 銀行, 魚雷, 電影, 斯里蘭卡, 相當 and 儘快 whole"

# Words of today that OpenCC's phrases or our terms would cut (a review of
# converted text): 卡顿, 拉黑, 店主, 反复 (guards), 微博 (a word that keeps
# 博主 off).
converts "--to=tw --from=cn" '明显卡顿，上网卡顿，店主板着脸，拉黑客户，微博主页，反复印了' '明顯卡頓，上網卡頓，店主板著臉，拉黑客戶，微博主頁，反覆印了' "--to=tw keeps 卡顿, 拉黑, 店主, 微博 and 反复 whole"
converts "--to=hk --from=cn" '明显卡顿，上网卡顿，反复印了' '明顯卡頓，上網卡頓，反覆印了' "--to=hk keeps 卡顿 and 反复 whole"

# ... and a guard or a term does not take a word it only looks like.
converts "--to=tw --from=cn" '升值机会，实现代码，理发行业，吞并非洲，般若波罗蜜多心经' '升值機會，實現程式碼，理髮行業，吞併非洲，般若波羅蜜多心經' "--to=tw: 值机, 现代, 发行, 并非 and 波罗蜜 are not read inside other words"

# 的士 (a taxi in Hong Kong; OpenCC's TWPhrases makes it 計程車) is mostly
# 的 + 士... in running text.
converts "--to=tw" '他的士兵，我們的士氣' '他的士兵，我們的士氣' "--to=tw leaves 的士兵 and 的士氣 alone"
converts "--to=cn" '他的士兵，我們的士氣' '他的士兵，我们的士气' "--to=cn does not read 的士 in 的士兵 as a taxi"

# The same without guards: a data directory whose built-in vocabulary is
# empty, and terms of a user vocabulary.  A term is not taken where a word
# runs into it and a word from there covers its rest (进行|销售,
# 头发|布满, 相当|机密, 这里|根本); at word boundaries, inside a longer
# word, and after a word that would leave one of its characters alone
# (不支|持), it is.
mkdir -p empty/vocab && printf 'zhconv-vocab 2\n' > empty/vocab/compiled.tsv
printf '%s\n' '- {cn: 营销, tw: 行銷}' '- {cn: 死机, tw: 當機}' '- {cn: 里根, tw: 雷根}' \
  '- {cn: 发布, tw: 發佈}' '- {cn: 支持, tw: 支持}' '- {cn: 文字, tw: 文字}' > cut.yaml
no_builtin() { ZHCONV_DATA_DIR="$TMP/empty:$ZHCONV_DATA_DIR" converts "$@"; }
no_builtin "--vocab=cut.yaml --to=cn --from=tw" '進行銷售，行銷策略，相當機密，電腦當機了，楔形文字' \
  '进行销售，营销策略，相当机密，电脑死机了，楔形文字' "--to=cn: no 行銷 in 進行銷售 or 當機 in 相當機密, without guards"
no_builtin "--vocab=cut.yaml --to=tw --from=cn" '头发布满，新品发布会，这里根本，里根总统，我不支持' \
  '頭髮佈滿，新品發佈會，這裡根本，雷根總統，我不支持' "--to=tw: no 发布 in 头发布满 or 里根 in 这里根本, without guards"

# OpenCC's own Taiwan phrases (TWPhrases, TWPhrasesRev) cut words the same
# way: 球队|列入 holds 队列 (佇列), 打算|法庭 算法 (演算法), 柔軟|體質 軟體
# (软件), 茶葉|門市 葉門 (也门).  The built-in targets do not take them
# there (with the empty built-in vocabulary too), and still take them at
# word boundaries; --no-vocab and --config stay OpenCC's.
no_builtin "--to=tw --from=cn" '球队列入决赛，他打算法庭见，排队列表，算法很好' \
  '球隊列入決賽，他打算法庭見，排隊列表，演算法很好' "--to=tw: no 队列 in 球队列入 or 算法 in 打算法庭"
no_builtin "--to=cn --from=tw" '柔軟體質，茶葉門市，這套軟體，葉門首都' \
  '柔软体质，茶叶门市，这套软件，也门首都' "--to=cn: no 軟體 in 柔軟體質 or 葉門 in 茶葉門市"
# ... also where OpenCC's segmentation would make the phrase a segment of
# its own (界面, 导出, 内核 are keys of STPhrases too), and where the word
# after it is Taiwan's (訊號 is 信号 as s2twp writes it).
no_builtin "--to=tw --from=cn" '当今世界面临挑战，省领导出席，国内核电，软件界面设计，内核升级' \
  '當今世界面臨挑戰，省領導出席，國內核電，軟體介面設計，核心升級' "--to=tw: no 界面 in 世界面临, 导出 in 领导出席, 内核 in 国内核电"
no_builtin "--to=cn --from=tw" '電視訊號不穩，視訊會議' '电视信号不稳，视频会议' "--to=cn: no 視訊 in 電視訊號"
# A one-character word glued to a phrase's first character can look like a
# word across it (对内|存有, 用光|标点, 对数|组成): guards keep the phrase.
converts "--to=tw --from=cn" '对内存有要求，用光标点击，对数组成员赋值，在内存条上' \
  '對記憶體有要求，用游標點選，對陣列成員賦值，在記憶體模組上' "--to=tw: guards for 对内存, 用光标, 对数组, 在内存条"
# Screens are 界面 (not 接口), and longer terms win over those inside them.
converts "--to=cn --from=tw" '登入介面，中文介面，網路視訊會議，雲端伺服器' '登录界面，中文界面，网络视频会议，云服务器' "--to=cn: 登入介面 is a screen, 網路視訊會議 a meeting"
converts "--to=tw --from=cn" '网络视频会议，阿里云服务器' '網路視訊會議，阿里雲端伺服器' "--to=tw: 网络视频会议 and 云服务器 whole"
converts "--to=tw --from=cn" '请把程序代码发给我，法律程序' '請把程式碼發給我，法律程序' "--to=tw: 程序代码 is 程式碼, not 程序程式碼"
# From the review of 2026-11-24: 兆 is 万亿 after a number, not in a name;
# OpenCC's 并为 (併為, merge into) is 並為 unless something is merged.
converts "--to=cn --from=tw" '營收達1兆元，李兆元表示，外資買超，買超值商品，再生能源與可再生能源，美國聯準會' \
  '营收达1万亿元，李兆元表示，外资净买入，买超值商品，可再生能源与可再生能源，美联储' "--to=cn: 1兆元, 外資買超, 再生能源, 美國聯準會; not 李兆元 or 買超值"
converts "--to=tw --from=cn" '并为此付出代价，两家公司合并为一家，白云盘旋，备份到云盘' \
  '並為此付出代價，兩家公司合併為一家，白雲盤旋，備份到雲端硬碟' "--to=tw: 并为 is 並為 but 合并为 合併為; 云盘 but not 云盘旋"
# OpenCC takes 长发 (long hair) after any title or word in 长: guards keep
# the word whole (hair stays hair where it is: 发型).  Guards serve hk too.
converts "--to=tw --from=cn" '家长发现孩子，校长发表讲话，班长发型，将孩子托举上岸，委托举证，二手房网签' \
  '家長發現孩子，校長發表講話，班長髮型，將孩子托舉上岸，委託舉證，中古屋網簽' "--to=tw: 家长发现, 校长发表; 班长发型 still 髮; 托举 but 委托举证"
converts "--to=hk --from=cn" '家长发现孩子，并联系社区，关联系统' \
  '家長發現孩子，並聯繫社區，關聯系統' "--to=hk: the guards of 长发 and 联系 hold for Hong Kong too"
# OpenCC's segmentation takes a phrase wherever it matches, across words:
# 证书|签名 holds 书签 (書籤), 还是|只有 是只 (是隻), 替换|发票 换发 (換髮),
# 最大|曲率 大曲 (大麴), 多个|中断 个中 (箇中).  The built-in targets do not
# make such a segment (with the empty built-in vocabulary too); a phrase that
# keeps a character which alone would change still does, as names need
# (克里特, 马里科夫奇, 里亚尔 keep 里), and a word that the next one may cut
# is not trusted (找到|了|解决).
cut_words='证书签名，还是只有图标，替换发票，转换发生，最大曲率，多个中断，家长发现，产生发展'
no_builtin "--to=hant --from=cn" "$cut_words" \
  '證書簽名，還是只有圖標，替換發票，轉換發生，最大曲率，多個中斷，家長發現，產生發展' "--to=hant: no segment across words (证书签名, 还是只有, 替换发票 ...)"
no_builtin "--to=hk --from=cn" "$cut_words" \
  '證書簽名，還是只有圖標，替換發票，轉換發生，最大曲率，多個中斷，家長發現，產生發展' "--to=hk: the same"
no_builtin "--to=tw --from=cn" "$cut_words" \
  '證書簽名，還是只有圖示，替換發票，轉換發生，最大曲率，多個中斷，家長發現，產生發展' "--to=tw: the same"
converts "--config=s2t" "$cut_words" \
  '證書籤名，還是隻有圖標，替換髮票，轉換髮生，最大麴率，多箇中斷，家長髮現，產生髮展' "--config=s2t is still OpenCC's segmentation"
converts "--to=hant --from=cn --no-vocab" "$cut_words" \
  '證書籤名，還是隻有圖標，替換髮票，轉換髮生，最大麴率，多箇中斷，家長髮現，產生髮展' "... and so is --no-vocab"
no_builtin "--to=tw --from=cn" '普拉克里特语，马里科夫奇，找到了解决办法，克里特岛，伊朗里亚尔，纳亚里特州' \
  '普拉克里特語，馬里科夫奇，找到了解決辦法，克里特島，伊朗里亞爾，納亞里特州' "--to=tw: names keep 里; 找到了解决 keeps 了"
# ... nor one that is no word where a word runs out of it (俄制|裁, 国制|度,
# 好干|部, 看表|现, 并成|立); a shorter phrase there still counts (注册表|格
# is 注册 + 表格 for Hong Kong, 註冊表格).
no_builtin "--to=hk --from=cn" '对俄制裁，中国制度，好干部，看表现，并成立公司，问题得到了解决，填写注册表格' \
  '對俄制裁，中國制度，好幹部，看表現，並成立公司，問題得到了解決，填寫註冊表格' "--to=hk: no segment that a word runs out of (对俄制裁, 中国制度 ...)"
converts "--config=s2hk" '对俄制裁，中国制度，好干部，看表现，并成立公司' \
  '對俄製裁，中國製度，好乾部，看錶現，併成立公司' "... which --config=s2hk still makes"
# From the review of 2026-11-24 (diplomacy, defence, science, culture,
# food, everyday life).  Guards keep a word whole against an OpenCC phrase
# that ends inside it (有采, 上游, 有云, 里加, 帝后) where the segmentation
# cannot see it; they serve the Simplified-to-Traditional targets only.
converts "--to=tw --from=cn" '对俄制裁，没有采用新技术，车上游客全部安全，还有云南、贵州，锅里加水，皇帝后来，冲咖啡，余华的小说，东盟国家，应对气候变化' \
  '對俄制裁，沒有採用新技術，車上遊客全部安全，還有雲南、貴州，鍋裡加水，皇帝後來，沖咖啡，余華的小說，東協國家，應對氣候變遷' "--to=tw: 采用, 游客, 云南, 锅里, 后来, 冲咖啡, 余华, 东盟, 气候变化"
converts "--to=tw --from=cn" '广东盟友，其余华人，头发现在，饼干部分，批准备案，这个界面对用户友好' \
  '廣東盟友，其餘華人，頭髮現在，餅乾部分，批准備案，這個介面對使用者友好' "--to=tw: not in 广东盟友, 其余华人, 头发现在, 饼干部分, 批准备案, 界面对"
converts "--to=hk --from=cn" '东盟国家，土豆烧牛肉，进入加沙地带' '東盟國家，薯仔燒牛肉，進入加沙地帶' "--to=hk: 东盟, 薯仔, 加沙地帶"
converts "--to=tw --from=cn" '老面馆藏在胡同里，里面馆藏丰富，下拉面板，校准将生成' '老麵館藏在衚衕裡，裡面館藏豐富，下拉面板，校準將生成' "--to=tw: 面馆 and 校准 guarded; 里面馆藏 is 里面 + 馆藏"
converts "--to=cn --from=tw" '東協國家，韋伯太空望遠鏡，標靶藥物，日圓持續走貶，速限只有40公里，時速限40公里，攝影集，毛小孩，牠們，十進位制定界符' \
  '东盟国家，韦布空间望远镜，靶向药物，日元持续贬值，限速只有40公里，时速限40公里，摄影集，毛孩子，它们，十进制定界符' "--to=cn: 東協, 韋伯太空望遠鏡, 標靶藥物, 走貶, 速限, 毛小孩, 牠; not 時速限, 攝影集; the guards (制定) not from Traditional"
# Guards from the review of word pairs (道里|面, 多只|能, 并购|买, 向导|演,
# 方几|乎, 上游|行, 里人|们, 里根|本), and Hong Kong's own words both ways.
converts "--to=tw --from=cn" '最多只能等一天，他去商店并购买了食物，我们向导演致敬，这个地方几乎没人，在大街上游行，在公司里人们很忙，不知道里面有什么，在网络里根本找不到，里根本人，企业并购' \
  '最多只能等一天，他去商店並購買了食物，我們向導演致敬，這個地方幾乎沒人，在大街上遊行，在公司裡人們很忙，不知道裡面有什麼，在網路裡根本找不到，雷根本人，企業併購' "--to=tw: 最多只, 并购买, 向导演, 地方几乎, 上游行, 里人们, 里面, 里根本; 里根本人 is Reagan"
converts "--to=cn --from=hk" '美國聯儲局宣布減息，紐約聯儲局主席，新能源車企，以劏房為家，預約覆診，球證出示紅牌，全球證券，埋單，三藩市，歐聯決賽，亞歐聯運' \
  '美联储宣布减息，纽约联储主席，新能源车企，以劏房为家，预约复诊，裁判出示红牌，全球证券，买单，旧金山，欧冠决赛，亚欧联运' "--to=cn from Hong Kong: 美國聯儲局, 新能源車企, 劏房, 覆診, 球證, 埋單, 三藩市, 歐聯 (the Champions League); not 全球證券, 亞歐聯運"
converts "--to=hk --from=cn" '尽早就医，独居老人，欧联杯小组赛，亚欧联运，利率下降息差收窄，央行降息' \
  '盡早就醫，獨居長者，歐霸小組賽，亞歐聯運，利率下降息差收窄，央行減息' "--to=hk: 盡早, 獨居長者, 歐霸 (the Europa League), 減息; not 亚欧联运, 下降息差"
# From the review of technical prose: 有云 (公有云), 松 (松耦合), 返回值 not in
# 返回值得, 并发 not in 并发送; from Taiwan, 內顯 is not 核显 in 圖示內顯示.
converts "--to=tw --from=cn" '部署在公有云上，松耦合的架构，抛出异常，时间戳，这次返回值得吗，命令并发送给服务器，冰箱内存放' \
  '部署在公有雲上，鬆耦合的架構，拋出例外，時間戳記，這次返回值得嗎，命令並發送給伺服器，冰箱內存放' "--to=tw: 公有云, 松耦合, 抛出异常, 时间戳; not 返回值得, 并发送, 冰箱内存放"
converts "--to=cn --from=tw" '在圖示內顯示文字，使用指定的映像檔案，切換唯讀模式' '在图标内显示文字，使用指定的镜像文件，切换只读模式' "--to=cn: 映像檔案, 唯讀模式; not 內顯 in 圖示內顯示"
# From the review of Taiwan fiction, law, finance, sport and housing: 砲 and
# 擡 are 炮 and 抬; 殖利率 is 收益率 for bonds and 股息率 for stocks; 洋將
# (a foreign player) but not in 西洋將棋 or 北洋將領.
converts "--to=cn --from=tw" '本契約自簽訂日起生效，理專推薦投資型保單，洋將擊出全壘打，西洋將棋，北洋將領，美債殖利率走高，高股息ETF殖利率，開砲，擡頭，屋齡三十年，特休' \
  '本合同自签订日起生效，理财经理推荐投资型保单，外援击出本垒打，西洋将棋，北洋将领，美债收益率走高，高股息ETF股息率，开炮，抬头，房龄三十年，年假' "--to=cn: 契約, 理專, 洋將, 殖利率, 砲, 擡, 屋齡, 特休; not 西洋將棋, 北洋將領"
# Literary prose: 穀場, 醒麵, 撫鬚, 把捲髮, 這罈酒; Traditional (hant) writes
# 裏 in the guarded words as OpenCC's s2t does everywhere else.
converts "--to=tw --from=cn" '谷场上晒着稻子，醒面二十分钟，老者抚须而笑，把卷发拢到耳后，这坛酒' '穀場上曬著稻子，醒麵二十分鐘，老者撫鬚而笑，把捲髮攏到耳後，這罈酒' "--to=tw: 谷场, 醒面, 抚须, 卷发, 这坛酒"
converts "--to=hant --from=cn" '这里根本没人，心里很乱，嘴里，锅里加水' '這裏根本沒人，心裏很亂，嘴裏，鍋裏加水' "--to=hant: 裏 in the guards too"
converts "--to=cn --from=tw" '臉書粉專，悠遊卡自動加值，伺服器當機' '脸书粉丝专页，悠游卡自动充值，服务器宕机' "--to=cn: 粉專, 加值, 伺服器當機"
# Taiwan's 著 is zhù in 原著, 土著, 卓著 ... (OpenCC lists only some words),
# and the particle 着 in 隨著有關; 沈 is 沉 in 沈迷, 沈浸, but a surname in 沈重光.
converts "--to=cn --from=tw" '原著小說改編，澳洲土著，成效卓著，他所著的書，她著有詩集，隨著有關部門，所著重的，沈迷網路，心情沈重，沈重光先生' \
  '原著小说改编，澳洲土著，成效卓著，他所著的书，她著有诗集，随着有关部门，所着重的，沉迷网络，心情沉重，沈重光先生' "--to=cn: 原著, 土著, 卓著, 所著的, 著有; 隨著, 所著重; 沈迷, 心情沈重; not 沈重光"
converts "--to=cn --from=tw" '企畫案，策畫活動，都市規畫，你在說甚麼，甚至，刻畫' '企划案，策划活动，都市规划，你在说什么，甚至，刻画' "--to=cn: 企畫, 策畫, 規畫, 甚麼; not 刻畫"
# 透過 is 通过 unless something shines through; Taiwan's own agencies keep
# their names (航空局, 公路局, 太空中心 are not the American ones).
converts "--to=cn --from=tw" '民眾可透過APP查詢，陽光透過窗戶灑進來，交通部民用航空局與公路局表示，太空中心指出' \
  '民众可通过APP查询，阳光透过窗户洒进来，交通部民用航空局与公路局表示，太空中心指出' "--to=cn: 透過APP but 陽光透過; 民用航空局, 公路局, 太空中心 kept"
converts "--to=cn --from=tw" '油價調漲，他強調漲價不可避免，一名國中生，全國中生代球員，施打疫苗，實施打擊' \
  '油价上调，他强调涨价不可避免，一名初中生，全国中生代球员，接种疫苗，实施打击' "--to=cn: 調漲, 國中生, 施打疫苗; not inside 強調漲價, 全國中生代, 實施打擊"
# Hong Kong: its own words both ways, and its agencies' names kept.
converts "--to=hk --from=cn" '乘坐公交车上班，房贷利率下降，请尽快了解情况，为了解决问题，在用发卡数量' \
  '乘坐巴士上班，按揭利率下降，請盡快了解情況，為了解決問題，在用發卡數量' "--to=hk: 巴士, 按揭, 盡快, 了解; 发卡 is not 髮卡"
converts "--to=cn --from=hk" '持牌食肆，傷者需入院治理，環境保護署表示，款項存入銀行戶口' \
  '持牌餐馆，伤者需入院治疗，环境保护署表示，款项存入银行账户' "--to=cn from hk: 食肆, 入院治理, 銀行戶口; 環境保護署 kept"
# The Traditional list, opened for Simplified input when a Taiwan phrase
# first needs it: damaged, it is an error naming it, and nothing is written.
mkdir -p badwords/words && printf '\377\t\377\n' > badwords/words/hant.txt
printf '球队列入决赛\n' > team.txt
ZHCONV_DATA_DIR="$TMP/badwords:$ZHCONV_DATA_DIR" zhconv --to=tw --from=cn team.txt > out.txt 2> err.txt
st=$?
[ $st -eq 1 ] && grep -q 'team.txt: dictionary .*words/hant.txt, line 1' err.txt && [ ! -s out.txt ]
ok $? "a damaged Traditional word list: exit 1 (got $st), named, nothing written"
converts "--to=tw --from=cn --no-vocab" '球队列入决赛' '球佇列入決賽' "--no-vocab: OpenCC's phrases as OpenCC takes them"
converts "--config=s2twp" '球队列入决赛' '球佇列入決賽' "--config=s2twp: exactly OpenCC"

# --punct
converts "--to=tw --from=cn --punct" '“软件”和‘硬件’' '「軟體」和「硬體」' "--punct to tw: marks by nesting depth"

# --detect
zhconv --detect "$S/ft-article-tw.txt" "$S/post-cn.md" > det.txt; ok $? "--detect"
grep -q "ft-article-tw.txt: hant tw " det.txt; ok $? "--detect: the article is Taiwan Traditional"
grep -q "post-cn.md: hans cn " det.txt; ok $? "--detect: the post is mainland Simplified"

# --explain
zhconv --to=cn --explain "$S/ft-article-tw.txt" > /dev/null 2> explain.txt; ok $? "--explain"
grep -q 'ft-article-tw.txt:[0-9]*:[0-9]*: 輝達 -> 英伟达 (.*companies.yaml:[0-9]*)' explain.txt
ok $? "--explain names position, term, replacement and vocabulary line"

done_testing
