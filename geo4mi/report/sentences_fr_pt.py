"""The report's sentences in French and Portuguese (merged into
:data:`geo4mi.report.sentences.SENTENCES`; same keys, same data placeholders).

French sentences avoid articles that agree with the study's unit word (its gender is not
known): "chaque {unit}", "les {units}", "de {place}" ("de la ville", "de Dakar").
Portuguese sentences avoid contractions with the study's words ("da", "na"): "cada {unit}",
"em {whole}" ("em toda a cidade"), and show {place} and {population} where no preposition
precedes them — as the interface catalogues do (``geo4mi/locales/fr.toml``, ``pt.toml``).

Examples
--------
>>> sorted(FRENCH) == sorted(PORTUGUESE)
True
"""

from __future__ import annotations

FRENCH: dict[str, str] = {
    # -- headings
    "title_suffix": "Rapport de résultats",
    "contents": "Sommaire",
    "key_findings": "Résumé et principaux constats",
    "profile": "Les personnes interrogées",
    "methodology": "Méthodologie",
    "limitations": "Limites",
    "annex_quality": "Annexe A. Qualité des données",
    "annex_indicators": "Annexe B. Tous les indicateurs, {whole}",
    "handouts": "Une page par {unit}",
    "closing": "Note finale",
    "groups_differ": "Groupes qui diffèrent",
    "areas_differ": "{Units} qui diffèrent",
    "headline": "Indicateurs principaux",
    # -- table headings
    "col_unit": "{Unit}",
    "col_respondents": "Personnes interrogées",
    "col_share": "% de l'échantillon",
    "col_indicator": "Indicateur",
    "col_theme": "Thème",
    "col_value": "Valeur",
    "col_ci": "IC à 95 %",
    "col_n": "n",
    "col_universe": "Univers",
    "col_area_value": "{Unit} (ici)",
    "col_city_value": "{Whole}",
    "col_difference": "Différence testée",
    "col_check": "Contrôle",
    "col_count": "Nombre",
    "col_note": "Détail",
    "col_group": "Groupe",
    # -- cells
    "cell_hidden": "masqué",
    "cell_hidden_n": "moins de {min_n} ou masqué",
    "cell_small_n": "moins de {min_n}",
    "cell_protected": "masqué pour protéger un petit effectif",
    "cell_no_data": "aucun entretien",
    "cell_higher": "plus élevé que le reste",
    "cell_lower": "plus bas que le reste",
    "cell_not_shown": "impossible à dire",
    "link_map": "carte",
    "link_figure": "figure",
    "link_table": "tableau",
    # -- numbers
    "estimate": "{value} (IC à 95 % : {low}–{high}, n = {n})",
    "difference": "{diff} points, IC à 95 % : {low} à {high}",
    "n_areas_enough": "{k} {units} avec des chiffres publiés",
    # -- front page
    "synthetic_banner": "DONNÉES SYNTHÉTIQUES DE DÉMONSTRATION : ces chiffres ne sont pas des "
                        "résultats réels d'enquête.",
    "about": "Ce rapport résume les réponses de {n} personnes interrogées ({place}). Chaque "
             "chiffre est accompagné de son intervalle de confiance à 95 % et du nombre de "
             "personnes ayant répondu (n). Les constats sont numérotés pour que les "
             "participants à l'atelier de validation puissent s'y référer.",
    "source": "Enquête : {source}",
    "attribution": "Limites : {attribution}",
    "caveat": "Échantillon non aléatoire : les résultats décrivent les personnes interrogées et "
              "ne sont pas représentatifs de l'ensemble de {population} de {place}.",
    # -- findings
    "find_city": "{label} : {estimate} sur {whole} (univers : {universe}).",
    "find_highest": "{label} : {estimate} des personnes interrogées à {area}, la valeur la plus "
                    "élevée des {areas_enough} ; la différence avec le reste est "
                    "significative : {difference}.",
    "find_lowest": "{label} : {estimate} des personnes interrogées à {area}, la valeur la plus "
                   "basse des {areas_enough} ; la différence avec le reste est "
                   "significative : {difference}.",
    "find_max_untested": "{label} : la valeur la plus élevée des {areas_enough} est celle de "
                         "{area}, {estimate}, mais les données ne permettent pas de dire si "
                         "elle diffère des autres {units} ({rest}).",
    "find_min_untested": "{label} : la valeur la plus basse des {areas_enough} est celle de "
                         "{area}, {estimate}, mais les données ne permettent pas de dire si "
                         "elle diffère des autres {units} ({rest}).",
    "find_area_higher": "{label} : {estimate} à {area}, plus élevé que dans les autres {units} "
                        "({rest} ; {difference}).",
    "find_area_lower": "{label} : {estimate} à {area}, plus bas que dans les autres {units} "
                       "({rest} ; {difference}).",
    "find_group_higher": "{label} : {estimate} dans le groupe « {group} » ({group_var}), plus "
                         "élevé que dans les autres groupes ({rest} ; {difference}).",
    "find_group_lower": "{label} : {estimate} dans le groupe « {group} » ({group_var}), plus "
                        "bas que dans les autres groupes ({rest} ; {difference}).",
    "rest_value": "reste : {value}",
    "find_too_few_areas": "{label} : {k} {units} seulement ont assez d'entretiens pour "
                          "comparer.",
    "no_group_differences": "Aucune différence entre groupes sur ce thème ne résiste au test "
                            "avec sa correction pour comparaisons multiples.",
    "no_area_differences": "Aucune différence entre {units} sur ce thème ne résiste au test "
                           "avec sa correction pour comparaisons multiples.",
    "no_differences_available": "Aucune différence n'a été testée (le module des différences "
                                "n'est pas disponible).",
    # -- profile
    "profile_intro": "{n} personnes interrogées analysées ; {k} {units} sur {m} ont assez "
                     "d'entretiens pour que des chiffres soient publiés.",
    "profile_by": "Personnes interrogées par {what}",
    "profile_unit": "{unit}",
    "profile_hidden_note": "« {small} » : un chiffre de moins de {min_n} personnes n'est pas "
                           "publié ; « {protected} » : un chiffre plus grand dont on pourrait "
                           "déduire, avec les totaux, un petit effectif.",
    # -- methodology
    "method_sample": "{n} personnes interrogées ont été analysées. Le fichier d'étude déclare "
                     "le plan d'échantillonnage ({design}).",
    "method_design_srs": "aucun : échantillonnage aléatoire simple supposé",
    "method_ignore_design": "Ces intervalles ne mesurent que l'erreur d'échantillonnage selon ce "
                            "plan : ils tiennent compte du regroupement des entretiens en grappes, "
                            "mais ne corrigent ni le biais d'un échantillon non aléatoire (qui a "
                            "été interrogé, où et par qui), ni la non-réponse, ni les erreurs de "
                            "déclaration ou de rattachement. Là où l'une des {units} a peu de "
                            "grappes propres, son effet de plan est modélisé à partir de la "
                            "corrélation intraclasse de {whole}.",
    "method_ignore_srs": "Ces intervalles supposent un échantillonnage aléatoire simple : ils "
                         "ignorent le regroupement des entretiens (par enquêteur ou par site), "
                         "et peuvent donc être trop étroits ; ils ne corrigent ni le biais d'un "
                         "échantillon non aléatoire, ni la non-réponse, ni les erreurs de "
                         "déclaration ou de rattachement.",
    "method_design_keys": "{keys}",
    "method_universe": "Les personnes qui remplissent l'une de ces règles ont été exclues de "
                       "l'analyse : {rules}.",
    "method_placement": "Chaque personne est rattachée à l'une des {units} selon {placement} ; "
                        "quand le nom déclaré et le GPS ne concordent pas, la règle est "
                        "« {policy} ».",
    "method_placement_declared": "le nom déclaré (colonne « {column} »)",
    "method_placement_gps": "son point GPS (question « {column} »)",
    "method_and": " et ",
    "method_column": "{label}, colonne « {column} »",
    "method_intervals": "Chaque pourcentage est la part des personnes de l'univers de "
                        "l'indicateur ayant donné une réponse valide (n).",
    "method_differences": "Une différence entre chaque {unit} et le reste, ou entre un groupe et "
                          "les autres, n'est affirmée que si elle résiste au test avec la "
                          "correction de {method} pour comparaisons multiples (α = {alpha}) ; "
                          "sinon le rapport dit que les données ne permettent pas de conclure. "
                          "{tested} comparaisons ont été testées ; {significant} résistent à la "
                          "correction.",
    "method_suppression": "Contrôle de la divulgation : aucun chiffre fondé sur moins de {min_n} "
                          "personnes n'est publié, ni aucun chiffre qui permettrait de le "
                          "déduire des totaux (suppression complémentaire) ou du n d'un autre "
                          "indicateur. {hidden} cellules sur {cells} avec des entretiens sont "
                          "masquées ; aucune n'apparaît dans ce rapport.",
    "method_no_data": "Les {units} sans entretien apparaissent comme « aucun entretien », "
                      "jamais comme 0 %.",
    # -- limitations
    "limit_sample": "L'échantillon n'est pas aléatoire : les résultats décrivent les personnes "
                    "interrogées et ne sont pas représentatifs de l'ensemble de {population} "
                    "de {place}. Les {units} avec plus d'entretiens pèsent davantage dans les "
                    "chiffres de {whole}.",
    "limit_self_report": "Les réponses sont déclaratives et ne peuvent pas être vérifiées de "
                         "façon indépendante ; elles peuvent comporter un biais de réponse.",
    "limit_wide": "Avec peu d'entretiens par {unit}, les intervalles sont larges : une "
                  "différence qui ne résiste pas au test n'est pas pour autant absente.",
    "limit_synthetic": "Les données de ce rapport sont synthétiques : elles illustrent la "
                       "méthode et ne décrivent aucune personne réelle.",
    # -- annexes
    "quality_intro": "Résumé du contrôle de qualité des données (geo4mi check). Le rapport "
                     "complet, avec le détail par ligne, reste avec les données brutes.",
    "annex_intro": "La valeur de chaque indicateur sur {whole}, avec son intervalle de "
                   "confiance à 95 % et n. {interval_note}",
    # -- handouts
    "handout_title": "{area} : chiffres comparés à {whole}",
    "handout_intro": "{n} personnes interrogées à {area}. « Différence testée » indique si "
                     "l'écart avec les autres {units} résiste au test.",
    "handout_intro_hidden": "Le nombre d'entretiens à {area} est masqué.",
    # -- closing
    "closing_counts": "Ce rapport énonce {findings} constats numérotés. La règle des "
                      "différences testées a rejeté {rejected} des {tested} comparaisons "
                      "candidates.",
    "generated_by": "Produit par geo4mi à partir de la table d'estimations protégée.",
    # -- geo4mi compare
    "compare.title": "Études comparées",
    "compare.intro": "{k} indicateurs communs à {m} études, comparés sur l'ensemble de chaque "
                     "étude (toutes les personnes interrogées).",
    "compare.banner": "DONNÉES SYNTHÉTIQUES DE DÉMONSTRATION : au moins une des études "
                      "comparées ne contient pas de résultats réels d'enquête.",
    "compare.synthetic": "données synthétiques",
    "compare.caveat": "Échantillon non aléatoire : les résultats décrivent les personnes "
                      "interrogées et ne sont pas représentatifs de l'ensemble de {population} "
                      "de {place}.",
    "compare.studies": "Études",
    "compare.indicators": "Indicateurs",
    "compare.method_head": "Méthode",
    "compare.method": "Différence p(A) − p(B) avec l'intervalle hybride de Newcombe (score de "
                      "Wilson) et le test z de deux proportions ; valeurs p ajustées par Holm "
                      "sur les {m} comparaisons du tableau ; une différence n'est affirmée que "
                      "si la valeur p ajustée est inférieure à {alpha} et que l'intervalle "
                      "exclut 0. Les études sont traitées comme des échantillons indépendants.",
    "compare.col_indicator": "Indicateur",
    "compare.col_study": "Étude",
    "compare.col_value": "Valeur (IC à 95 %, n)",
    "compare.col_difference": "Différence testée",
    "compare.col_note": "Note",
    "compare.value": "{p} (IC à 95 % : {low}–{high}, n = {n})",
    "compare.hidden": "masqué",
    "compare.no_data": "aucun entretien",
    "compare.diff": "{a} − {b} : {d} points (IC à 95 % {low} à {high} ; p ajusté {padj})",
    "compare.higher": "{a} plus élevé que {b}",
    "compare.lower": "{a} plus bas que {b}",
    "compare.cannot_tell": "les données ne permettent pas d'affirmer une différence",
    "compare.untested": "{a} − {b} : non testé (un chiffre est masqué ou sans entretien)",
    "compare.note_question": "la question diffère",
    "compare.note_choices": "les options comptées diffèrent",
    "compare.note_numerator": "la définition diffère",
    "compare.note_universe": "l'univers diffère",
    "compare.note_label": "le libellé de la question dans le formulaire diffère",
    "compare.all_respondents": "toutes les personnes",
    "compare.legend": "Point : valeur ; trait : intervalle de confiance à 95 %. Un chiffre "
                      "masqué n'est pas tracé.",
    "compare.generated_by": "Produit par geo4mi compare.",
}

PORTUGUESE: dict[str, str] = {
    # -- headings
    "title_suffix": "Relatório de resultados",
    "contents": "Sumário",
    "key_findings": "Resumo e principais constatações",
    "profile": "As pessoas entrevistadas",
    "methodology": "Metodologia",
    "limitations": "Limitações",
    "annex_quality": "Anexo A. Qualidade dos dados",
    "annex_indicators": "Anexo B. Todos os indicadores, {whole}",
    "handouts": "Uma página por {unit}",
    "closing": "Nota final",
    "groups_differ": "Grupos que diferem",
    "areas_differ": "{Units} que diferem",
    "headline": "Indicadores principais",
    # -- table headings
    "col_unit": "{Unit}",
    "col_respondents": "Pessoas entrevistadas",
    "col_share": "% da amostra",
    "col_indicator": "Indicador",
    "col_theme": "Tema",
    "col_value": "Valor",
    "col_ci": "IC 95 %",
    "col_n": "n",
    "col_universe": "Universo",
    "col_area_value": "{Unit} (aqui)",
    "col_city_value": "{Whole}",
    "col_difference": "Diferença testada",
    "col_check": "Verificação",
    "col_count": "Quantidade",
    "col_note": "Detalhe",
    "col_group": "Grupo",
    # -- cells
    "cell_hidden": "ocultado",
    "cell_hidden_n": "menos de {min_n} ou ocultado",
    "cell_small_n": "menos de {min_n}",
    "cell_protected": "ocultado para proteger um número pequeno",
    "cell_no_data": "sem entrevistas",
    "cell_higher": "mais alto que o restante",
    "cell_lower": "mais baixo que o restante",
    "cell_not_shown": "não é possível afirmar",
    "link_map": "mapa",
    "link_figure": "figura",
    "link_table": "tabela",
    # -- numbers
    "estimate": "{value} (IC 95 %: {low}–{high}, n = {n})",
    "difference": "{diff} pontos, IC 95 %: {low} a {high}",
    "n_areas_enough": "{k} {units} com números publicados",
    # -- front page
    "synthetic_banner": "DADOS SINTÉTICOS DE DEMONSTRAÇÃO: estes números não são resultados "
                        "reais de uma pesquisa.",
    "about": "Este relatório resume as respostas de {n} pessoas entrevistadas ({place}). Cada "
             "número traz o seu intervalo de confiança de 95 % e o número de pessoas que "
             "responderam (n). As constatações são numeradas para que participantes da "
             "oficina de validação possam citá-las.",
    "source": "Pesquisa: {source}",
    "attribution": "Limites: {attribution}",
    "caveat": "Amostra não aleatória: os resultados descrevem as pessoas entrevistadas e não "
              "são representativos de toda a {population} ({place}).",
    # -- findings
    "find_city": "{label}: {estimate} em {whole} (universo: {universe}).",
    "find_highest": "{label}: {estimate} das pessoas entrevistadas em {area}, o valor mais "
                    "alto entre {areas_enough}; a diferença em relação ao restante é "
                    "significativa: {difference}.",
    "find_lowest": "{label}: {estimate} das pessoas entrevistadas em {area}, o valor mais "
                   "baixo entre {areas_enough}; a diferença em relação ao restante é "
                   "significativa: {difference}.",
    "find_max_untested": "{label}: o valor mais alto entre {areas_enough} é o de {area}, "
                         "{estimate}, mas os dados não permitem afirmar que difira do "
                         "restante ({rest}).",
    "find_min_untested": "{label}: o valor mais baixo entre {areas_enough} é o de {area}, "
                         "{estimate}, mas os dados não permitem afirmar que difira do "
                         "restante ({rest}).",
    "find_area_higher": "{label}: {estimate} em {area}, mais alto do que no restante "
                        "({rest}; {difference}).",
    "find_area_lower": "{label}: {estimate} em {area}, mais baixo do que no restante "
                       "({rest}; {difference}).",
    "find_group_higher": "{label}: {estimate} no grupo “{group}” ({group_var}), mais alto do "
                         "que nos demais grupos ({rest}; {difference}).",
    "find_group_lower": "{label}: {estimate} no grupo “{group}” ({group_var}), mais baixo do "
                        "que nos demais grupos ({rest}; {difference}).",
    "rest_value": "restante: {value}",
    "find_too_few_areas": "{label}: apenas {k} {units} têm entrevistas suficientes para "
                          "comparar.",
    "no_group_differences": "Nenhuma diferença entre grupos neste tema resiste ao teste com a "
                            "correção para comparações múltiplas.",
    "no_area_differences": "Nenhuma diferença entre {units} neste tema resiste ao teste com a "
                           "correção para comparações múltiplas.",
    "no_differences_available": "Nenhuma diferença foi testada (o módulo de diferenças não "
                                "está disponível).",
    # -- profile
    "profile_intro": "{n} pessoas entrevistadas analisadas; {k} de {m} {units} têm "
                     "entrevistas suficientes para publicar números.",
    "profile_by": "Pessoas entrevistadas por {what}",
    "profile_unit": "{unit}",
    "profile_hidden_note": "“{small}”: um número de menos de {min_n} pessoas não é publicado; "
                           "“{protected}”: um número maior a partir do qual, com os totais, se "
                           "poderia deduzir outro pequeno.",
    # -- methodology
    "method_sample": "Foram analisadas {n} pessoas entrevistadas. O arquivo do estudo declara "
                     "o desenho da amostra ({design}).",
    "method_design_srs": "nenhum: supõe-se amostragem aleatória simples",
    "method_ignore_design": "Estes intervalos medem apenas o erro amostral sob esse desenho: "
                            "consideram que as entrevistas se agrupam em conglomerados, mas não "
                            "corrigem o viés de uma amostra não aleatória (quem foi entrevistado, "
                            "onde e por quem), a não resposta nem os erros de declaração ou de "
                            "localização. Onde uma das {units} tem poucos conglomerados próprios, "
                            "o seu efeito de desenho é modelado a partir da correlação "
                            "intraclasse de {whole}.",
    "method_ignore_srs": "Estes intervalos supõem amostragem aleatória simples: ignoram que as "
                         "entrevistas se agrupam (por entrevistador ou por local), por isso "
                         "podem ser estreitos demais, e não corrigem o viés de uma amostra não "
                         "aleatória, a não resposta nem os erros de declaração ou de "
                         "localização.",
    "method_design_keys": "{keys}",
    "method_universe": "Foram excluídas da análise as pessoas que cumprem alguma destas "
                       "regras: {rules}.",
    "method_placement": "A localização de cada pessoa ({unit}) segue {placement}; quando o nome "
                        "declarado e o GPS não coincidem, a regra é “{policy}”.",
    "method_placement_declared": "o nome declarado (coluna “{column}”)",
    "method_placement_gps": "o seu ponto GPS (pergunta “{column}”)",
    "method_and": " e ",
    "method_column": "{label}, coluna “{column}”",
    "method_intervals": "Cada porcentagem é a proporção das pessoas do universo do indicador "
                        "com uma resposta válida (n).",
    "method_differences": "Uma diferença entre cada {unit} e o restante, ou entre um grupo e os "
                          "demais, só é afirmada se resistir ao teste com a correção de "
                          "{method} para comparações múltiplas (α = {alpha}); nos demais "
                          "casos o relatório diz que os dados não permitem afirmá-la. Foram "
                          "testadas {tested} comparações; {significant} resistem à correção.",
    "method_suppression": "Controle de divulgação: não se publica nenhum número baseado em "
                          "menos de {min_n} pessoas, nem números que permitiriam deduzi-lo a "
                          "partir dos totais (supressão complementar) ou do n de outro "
                          "indicador. {hidden} de {cells} células com entrevistas estão "
                          "ocultadas; nenhuma aparece neste relatório.",
    "method_no_data": "{Units} sem entrevistas aparecem como “sem entrevistas”, nunca como "
                      "0 %.",
    # -- limitations
    "limit_sample": "A amostra não é aleatória: os resultados descrevem as pessoas "
                    "entrevistadas e não são representativos de toda a {population} "
                    "({place}). {Units} com mais entrevistas pesam mais nos números de "
                    "{whole}.",
    "limit_self_report": "As respostas são declarações das pessoas entrevistadas e não podem "
                         "ser verificadas de forma independente; pode haver viés de resposta.",
    "limit_wide": "Com poucas entrevistas por {unit}, os intervalos são amplos: uma diferença "
                  "que não resiste ao teste não está demonstrada como inexistente.",
    "limit_synthetic": "Os dados deste relatório são sintéticos: servem para demonstrar o "
                       "método e não descrevem nenhuma pessoa real.",
    # -- annexes
    "quality_intro": "Resumo da verificação de qualidade dos dados (geo4mi check). O relatório "
                     "completo, com detalhe por linha, fica com os dados originais.",
    "annex_intro": "O valor de cada indicador em {whole}, com o seu intervalo de confiança de "
                   "95 % e n. {interval_note}",
    # -- handouts
    "handout_title": "{area}: números frente a {whole}",
    "handout_intro": "{n} pessoas entrevistadas em {area}. “Diferença testada” diz se a "
                     "diferença em relação ao restante resiste ao teste.",
    "handout_intro_hidden": "O número de entrevistas em {area} está ocultado.",
    # -- closing
    "closing_counts": "Este relatório enuncia {findings} constatações numeradas. A regra de "
                      "diferenças testadas rejeitou {rejected} de {tested} comparações "
                      "candidatas.",
    "generated_by": "Gerado pelo geo4mi a partir da tabela de estimativas protegida.",
    # -- geo4mi compare
    "compare.title": "Comparação de estudos",
    "compare.intro": "{k} indicadores comuns a {m} estudos, comparados no conjunto de cada "
                     "estudo (todas as pessoas entrevistadas).",
    "compare.banner": "DADOS SINTÉTICOS DE DEMONSTRAÇÃO: pelo menos um dos estudos comparados "
                      "não contém resultados reais de uma pesquisa.",
    "compare.synthetic": "dados sintéticos",
    "compare.caveat": "Amostra não aleatória: os resultados descrevem as pessoas entrevistadas "
                      "e não são representativos de toda a {population} ({place}).",
    "compare.studies": "Estudos",
    "compare.indicators": "Indicadores",
    "compare.method_head": "Método",
    "compare.method": "Diferença p(A) − p(B) com o intervalo híbrido de Newcombe (escore de "
                      "Wilson) e o teste z de duas proporções; valores p ajustados por Holm "
                      "nas {m} comparações da tabela; uma diferença só é afirmada quando o "
                      "valor p ajustado é menor que {alpha} e o intervalo exclui 0. Os estudos "
                      "são tratados como amostras independentes.",
    "compare.col_indicator": "Indicador",
    "compare.col_study": "Estudo",
    "compare.col_value": "Valor (IC 95 %, n)",
    "compare.col_difference": "Diferença testada",
    "compare.col_note": "Nota",
    "compare.value": "{p} (IC 95 %: {low}–{high}, n = {n})",
    "compare.hidden": "ocultado",
    "compare.no_data": "sem entrevistas",
    "compare.diff": "{a} − {b}: {d} pontos (IC 95 % {low} a {high}; p ajustado {padj})",
    "compare.higher": "{a} mais alto que {b}",
    "compare.lower": "{a} mais baixo que {b}",
    "compare.cannot_tell": "os dados não permitem afirmar uma diferença",
    "compare.untested": "{a} − {b}: sem teste (um número está ocultado ou sem entrevistas)",
    "compare.note_question": "a pergunta difere",
    "compare.note_choices": "as opções contadas diferem",
    "compare.note_numerator": "a definição difere",
    "compare.note_universe": "o universo difere",
    "compare.note_label": "o texto da pergunta no formulário difere",
    "compare.all_respondents": "todas as pessoas",
    "compare.legend": "Ponto: valor; linha: intervalo de confiança de 95 %. Um número ocultado "
                      "não é desenhado.",
    "compare.generated_by": "Gerado pelo geo4mi compare.",
}
